/**
 * The public registers (issue 14, item 4; §5.19, KF Q7 and Q16): each one's title, its columns (defined
 * once, web/registerTable.ts: the page's table, the CSV and the JSON) and how a page of it is read,
 * through the read models (api/readModels/). Names are shown, not only codes; money in £, dates in UK form.
 */
import { z } from 'zod';
import type { ConsortiumStatus } from '../domain/consortium';
import { formatNeedIndex, type NeedWeightingApplied } from '../domain/allocation';
import { formatPence, formatSignedPence, percentChange, poundsPerHead } from '../domain/money';
import type { Page, PageQuery } from '../api/pagination';
import {
  allocationLinesPage,
  allocationRegisterList,
  publishedRuns,
  type LineRow,
  type RunRow,
} from '../api/readModels/allocations';
import {
  premiumLineList,
  premiumLinesPage,
  premiumRuns,
  type PremiumLineRow,
  type PremiumRunRow,
  type StoredMeasure,
} from '../api/readModels/qualityPremium';
import { interestsRegisterList, interestsRegisterMeta, interestsRegisterPage } from '../api/readModels/interests';
import {
  awardRegisterEntrySchema,
  awardRegisterList,
  awardRegisterMeta,
  awardRegisterPage,
} from '../api/readModels/procurements';
import {
  decisionRegisterList,
  decisionRegisterMeta,
  decisionRegisterPage,
  consortiaByCode,
  organisationNames,
  type DecisionEntry,
  type Places,
  type RegisterFilter,
  type RegisterMeta,
} from '../api/readModels/registers';
import type { Db } from '../platform/db';
import { BOARD_ORGANISATION } from '../workflows/contracts/procurement';
import { ukDate, words } from './format';
import { defineColumns, type Column } from './registerTable';

export const publicConsortiumPath = (code: string) => `/public/consortia/${encodeURIComponent(code)}`;
export const REGISTERS_PATH = '/public/registers';
export const registerPath = (name: string, format?: 'csv' | 'json') =>
  `${REGISTERS_PATH}/${name}${format ? `.${format}` : ''}`;

/** How the registers name a consortium's status and an authorisation outcome (ConsortiumStatus). */
export const STATUS_WORDS: Record<ConsortiumStatus, string> = {
  forming: 'Forming',
  shadow: 'Shadow (not yet a statutory body)',
  lapsed: 'Lapsed',
  applying: 'Applying for authorisation',
  authorised: 'Authorised',
  authorised_with_conditions: 'Authorised with conditions',
  established_not_authorised: 'Established, not authorised',
};
export const statusWords = (status: string) => STATUS_WORDS[status as ConsortiumStatus] ?? words(status);

const CAPACITY_WORDS: Record<string, string> = {
  member: 'Member practice',
  governing_body: 'Governing body member',
  staff: 'Member of staff',
};
const MANAGED_BY_WORDS: Record<string, string> = {
  consortium: 'The consortium',
  consortium_with_mitigation: 'The consortium, with the conflicted people excluded',
};

/** Every row of a register knows its consortium (code, name, region) and the names its columns print. */
interface ConsortiumOfRow {
  consortium: { code: string; name: string; regionName: string | null };
}

/** The three columns every register starts with: the consortium's name (a link to its page), code and region. */
function consortiumColumns<Row extends ConsortiumOfRow>(): Column<Row>[] {
  return [
    {
      key: 'consortium',
      heading: 'Consortium',
      value: (row) => row.consortium.name,
      href: (row) => (row.consortium.code ? publicConsortiumPath(row.consortium.code) : null),
    },
    { key: 'code', heading: 'Code', value: (row) => row.consortium.code },
    { key: 'region', heading: 'Region', value: (row) => row.consortium.regionName },
  ];
}

// --- The rows of each register -------------------------------------------------------------------

type DecisionRow = Omit<DecisionEntry, 'consortium'> & ConsortiumOfRow;
type InterestRow = Awaited<ReturnType<typeof interestsRegisterPage>>['items'][number] & ConsortiumOfRow;
type AwardRow = z.output<typeof awardRegisterEntrySchema> & ConsortiumOfRow & { names: Map<string, string> };
type AllocationRow = LineRow & ConsortiumOfRow & { run: RunRow };
type PremiumRow = PremiumLineRow & ConsortiumOfRow & { run: PremiumRunRow };

const nameOf = (names: Map<string, string>, code: string) => {
  const name = names.get(code);
  return name ? `${name} (${code})` : code;
};

const decisionColumns = defineColumns<DecisionRow>([
  ...consortiumColumns<DecisionRow>(),
  { key: 'decision', heading: 'Decision', value: (row) => statusWords(row.outcome) },
  { key: 'decidedOn', heading: 'Decided on', value: (row) => ukDate(row.decidedAt) },
  { key: 'wave', heading: 'Wave', value: (row) => row.wave, numeric: true },
  {
    key: 'conditions',
    heading: 'Conditions (support level, status)',
    wide: true,
    value: (row) =>
      row.conditions.map(
        (c) =>
          `${c.criterionId} ${c.description} (support level ${c.supportLevel ?? 'not set'}, ${words(c.status).toLowerCase()})`,
      ),
  },
  { key: 'reasons', heading: 'Reasons', value: (row) => row.reasons, wide: true },
  { key: 'ruleVersion', heading: 'Rule version', value: (row) => row.ruleVersion },
]);

const interestColumns = defineColumns<InterestRow>([
  ...consortiumColumns<InterestRow>(),
  { key: 'person', heading: 'Person', value: (row) => row.personName },
  { key: 'capacity', heading: 'Capacity', value: (row) => CAPACITY_WORDS[row.capacity] ?? words(row.capacity) },
  { key: 'interest', heading: 'Interest', value: (row) => words(row.kind) },
  { key: 'organisation', heading: 'In', value: (row) => row.organisationName ?? row.organisationId },
  {
    key: 'shareholding',
    heading: 'Shareholding',
    value: (row) => (row.shareholdingPercent === null ? null : `${row.shareholdingPercent}%`),
    numeric: true,
  },
  { key: 'description', heading: 'Description', value: (row) => row.description },
  { key: 'from', heading: 'From', value: (row) => ukDate(row.interestFrom) },
  { key: 'to', heading: 'To', value: (row) => ukDate(row.interestTo) },
  { key: 'declaredOn', heading: 'Declared on', value: (row) => ukDate(row.declaredOn) },
]);

const awardColumns = defineColumns<AwardRow>([
  ...consortiumColumns<AwardRow>(),
  { key: 'contract', heading: 'Contract', value: (row) => row.title },
  { key: 'service', heading: 'Service', value: (row) => row.service },
  { key: 'route', heading: 'Route', value: (row) => words(row.route) },
  { key: 'awardedTo', heading: 'Awarded to', value: (row) => row.awardedTo.bidderName },
  { key: 'value', heading: 'Value', value: (row) => formatPence(row.valuePence), numeric: true },
  { key: 'reasons', heading: 'Reasons', value: (row) => row.reasons, wide: true },
  { key: 'awardedOn', heading: 'Awarded on', value: (row) => ukDate(row.decidedAt) },
  {
    key: 'managedBy',
    heading: 'Managed by',
    value: (row) =>
      row.thirdParty
        ? row.thirdParty.kind === 'board' || row.thirdParty.code === BOARD_ORGANISATION
          ? 'NHS Commissioning Board'
          : nameOf(row.names, row.thirdParty.code)
        : (MANAGED_BY_WORDS[row.managedBy] ?? words(row.managedBy)),
  },
  {
    key: 'conflicts',
    heading: 'Conflicts of interest',
    wide: true,
    value: (row) =>
      row.conflicts.map(
        (c) =>
          `${c.bidderId === row.awardedTo.bidderId ? row.awardedTo.bidderName : nameOf(row.names, c.bidderId)}: ` +
          (c.findings.map((f) => f.explanation).join(' ') || 'conflicted'),
      ),
  },
  {
    key: 'conflictHandling',
    heading: 'How conflicts were handled',
    value: (row) => row.conflictHandling,
    wide: true,
  },
  {
    key: 'paid',
    heading: 'Paid to practices',
    value: (row) => formatPence(row.payments.reduce((sum, p) => sum + BigInt(p.amountPence), 0n)),
    numeric: true,
  },
  { key: 'ruleVersion', heading: 'Rule version', value: (row) => row.ruleVersion },
]);

type PaymentRow = ConsortiumOfRow & {
  award: AwardRow;
  payment: AwardRow['payments'][number];
};

const paymentColumns = defineColumns<PaymentRow>([
  ...consortiumColumns<PaymentRow>(),
  { key: 'contract', heading: 'Contract', value: (row) => row.award.title },
  { key: 'practice', heading: 'Practice', value: (row) => row.award.names.get(row.payment.practiceCode) ?? null },
  { key: 'practiceCode', heading: 'Practice code', value: (row) => row.payment.practiceCode },
  { key: 'amount', heading: 'Amount', value: (row) => formatPence(row.payment.amountPence), numeric: true },
  { key: 'paidOn', heading: 'Paid on', value: (row) => ukDate(row.payment.paidOn) },
  { key: 'description', heading: 'For', value: (row) => row.payment.description },
  { key: 'reference', heading: 'Reference', value: (row) => row.payment.key },
]);

const allocationColumns = defineColumns<AllocationRow>([
  ...consortiumColumns<AllocationRow>(),
  { key: 'financialYear', heading: 'Year', value: (row) => row.run.financialYear },
  { key: 'basis', heading: 'Basis', value: (row) => words(row.run.basis) },
  {
    key: 'registeredPatients',
    heading: 'Registered patients',
    value: (row) => row.registeredPatients.toLocaleString('en-GB'),
    numeric: true,
  },
  { key: 'programme', heading: 'Programme allocation', value: (row) => formatPence(row.programmePence), numeric: true },
  {
    key: 'perHead',
    heading: 'Per head',
    value: (row) => formatPence(poundsPerHead(row.programmePence, row.registeredPatients).replace('.', '')),
    numeric: true,
  },
  {
    key: 'runningCostsCap',
    heading: 'Running costs cap',
    value: (row) => formatPence(row.runningCostsCapPence),
    numeric: true,
  },
  // Formula version 2 only (§3.31): empty under version 1.
  {
    key: 'needIndex',
    heading: 'Need index',
    value: (row) => (row.needIndexMilli === null ? null : formatNeedIndex(row.needIndexMilli)),
    numeric: true,
  },
  {
    key: 'changeAgainstVersionOne',
    heading: 'Change against version 1',
    value: (row) =>
      row.capitationProgrammePence === null
        ? null
        : formatSignedPence(row.programmePence - row.capitationProgrammePence),
    numeric: true,
  },
  {
    key: 'changeAgainstVersionOnePercent',
    heading: 'Change against version 1 (%)',
    value: (row) =>
      row.capitationProgrammePence === null
        ? null
        : `${percentChange(row.capitationProgrammePence, row.programmePence) ?? '—'}%`,
    numeric: true,
  },
  { key: 'riskPooled', heading: 'In the risk pool', value: (row) => (row.riskPooled ? 'Yes' : 'No') },
  {
    key: 'netProgramme',
    heading: 'Net of risk pool',
    value: (row) => formatPence(row.netProgrammePence),
    numeric: true,
  },
  { key: 'formulaVersion', heading: 'Formula version', value: (row) => row.run.formulaVersion },
]);

const premiumColumns = defineColumns<PremiumRow>([
  ...consortiumColumns<PremiumRow>(),
  { key: 'financialYear', heading: 'Year', value: (row) => row.run.financialYear },
  {
    key: 'registeredPatients',
    heading: 'Registered patients',
    value: (row) => row.registeredPatients.toLocaleString('en-GB'),
    numeric: true,
  },
  { key: 'ceiling', heading: 'Up to (£5 a head)', value: (row) => formatPence(row.ceilingPence), numeric: true },
  {
    key: 'measuresAchieved',
    heading: 'Measures achieved',
    value: (row) => {
      const measures = row.measures as unknown as StoredMeasure[];
      return `${measures.filter((m) => m.achieved).length} of ${measures.length} (${row.achievedBasisPoints / 100}%)`;
    },
  },
  { key: 'overspent', heading: 'Overspent', value: (row) => (row.overspent ? 'Yes: no premium' : 'No') },
  { key: 'premium', heading: 'Quality premium', value: (row) => formatPence(row.earnedPence), numeric: true },
  { key: 'practices', heading: 'Member practices sharing it', value: (row) => row.practiceCount, numeric: true },
  {
    key: 'annualRating',
    heading: 'Annual rating on record',
    value: (row) => (row.annualRating ? words(row.annualRating) : null),
  },
  { key: 'frameworkVersion', heading: 'Framework version', value: (row) => row.run.frameworkVersion },
]);

// --- The registers ---------------------------------------------------------------------------------

export interface RegisterQuery extends PageQuery, RegisterFilter {
  /** The allocations register only: which published run (`2013-14-indicative`); the newest by default. */
  run?: string | undefined;
}

export interface RegisterPage<Row> {
  page: Page<Row>;
  meta: RegisterMeta;
  /** The allocations register's published runs, the one shown, and its chart. */
  runs?: { value: string; text: string; selected: boolean }[];
  chart?: { src: string; alt: string } | null;
  /** What a reader must know to read the figures (e.g. that a need weighting is illustrative). */
  notes?: string[];
}

export interface Register<Row> {
  name: string;
  title: string;
  /** What it holds and under which rule, one or two sentences. */
  description: string;
  columns: readonly Column<Row>[];
  /** The query the page and downloads accept: paging, the consortium and region filters (api/pagination.ts). */
  query: z.ZodType<RegisterQuery>;
  read(db: Db, query: RegisterQuery, places: Places): Promise<RegisterPage<Row>>;
}

const withConsortium =
  (places: Places) =>
  (consortium: { code: string; name: string; region: string | null }): ConsortiumOfRow['consortium'] => ({
    code: consortium.code,
    name: consortium.name,
    regionName: consortium.region ? (places.regions.get(consortium.region) ?? consortium.region) : null,
  });

/** A published run's page of consortium lines, each with its run and its consortium's name and region (none without a run). */
async function runLinesWithConsortia<Run, Line extends { consortiumCode: string; consortium: { name: string } }>(
  db: Db,
  places: Places,
  run: Run | undefined,
  page: Page<Line>,
): Promise<Page<Line & { run: Run } & ConsortiumOfRow>> {
  if (!run) return { ...page, items: [] };
  const consortia = await consortiaByCode(
    db,
    page.items.map((line) => line.consortiumCode),
  );
  const consortium = withConsortium(places);
  return {
    ...page,
    items: page.items.map((line) => ({
      ...line,
      run,
      consortium: consortium(
        consortia.get(line.consortiumCode) ?? { code: line.consortiumCode, name: line.consortium.name, region: null },
      ),
    })),
  };
}

const decisions: Register<DecisionRow> = {
  name: 'authorisation-decisions',
  title: 'Authorisation decisions and conditions',
  description:
    "The decision panel's decision on each consortium's authorisation (§4.8), the wave it was decided in, and every " +
    'condition imposed with its support level and where it stands now (§5.18). Each decision names the rule version it applied (§5.19).',
  columns: decisionColumns,
  query: decisionRegisterList.query,
  async read(db, query, places) {
    const [page, meta] = await Promise.all([decisionRegisterPage(db, query), decisionRegisterMeta(db, query)]);
    const consortium = withConsortium(places);
    return {
      page: { ...page, items: page.items.map((entry) => ({ ...entry, consortium: consortium(entry.consortium) })) },
      meta,
    };
  },
};

const interests: Register<InterestRow> = {
  name: 'declared-interests',
  title: 'Declared interests',
  description:
    "The register of interests of each consortium's members, governing body and staff (2012/13, s.14O): " +
    'directorships, roles in provider groups and shareholdings over 5%, declared within 28 days.',
  columns: interestColumns,
  query: interestsRegisterList.query,
  async read(db, query, places) {
    const [page, meta] = await Promise.all([interestsRegisterPage(db, query), interestsRegisterMeta(db, query)]);
    const consortia = await consortiaByCode(
      db,
      page.items.map((item) => item.consortiumCode),
    );
    const consortium = withConsortium(places);
    return {
      page: {
        ...page,
        items: page.items.map((item) => ({
          ...item,
          consortium: consortium(
            consortia.get(item.consortiumCode) ?? {
              code: item.consortiumCode,
              name: item.consortiumCode,
              region: null,
            },
          ),
        })),
      },
      meta,
    };
  },
};

/** A page of the awards register, with the names its columns print (practices, local authorities, consortia). */
async function readAwards(db: Db, query: RegisterQuery, places: Places): Promise<RegisterPage<AwardRow>> {
  const [page, meta] = await Promise.all([awardRegisterPage(db, query), awardRegisterMeta(db, query)]);
  const codes = page.items.flatMap((item) => [
    ...item.payments.map((p) => p.practiceCode),
    ...item.conflicts.map((c) => c.bidderId),
    ...(item.thirdParty ? [item.thirdParty.code] : []),
  ]);
  const [names, consortia] = await Promise.all([
    organisationNames(db, { practices: codes, localAuthorities: codes }),
    consortiaByCode(
      db,
      page.items.map((item) => item.consortiumCode),
    ),
  ]);
  const consortium = withConsortium(places);
  return {
    page: {
      ...page,
      items: page.items.map((item) => ({
        ...item,
        names,
        consortium: consortium(
          consortia.get(item.consortiumCode) ?? { code: item.consortiumCode, name: item.consortiumCode, region: null },
        ),
      })),
    },
    meta,
  };
}

const awardsQuery = awardRegisterList.query.extend({ region: decisionRegisterList.query.shape.region });

const awards: Register<AwardRow> = {
  name: 'procurement-awards',
  title: 'Procurement awards',
  description:
    'Every contract awarded, with its reasons (2013 regulations, reg 3(5)): what was bought, from whom, the value and the route, ' +
    'who managed it and how conflicts of interest were handled (§5.13, KF Q16), and what has been paid to practices under it.',
  columns: awardColumns,
  query: awardsQuery,
  read: readAwards,
};

const payments: Register<PaymentRow> = {
  name: 'practice-payments',
  title: 'Payments to practices',
  description:
    'Every payment to a GP practice under a contract awarded by its consortium (§5.13), published with the award. ' +
    'A page holds the payments under up to 50 awards, newest award first.',
  columns: paymentColumns,
  query: awardsQuery,
  async read(db, query, places) {
    const { page, meta } = await readAwards(db, query, places);
    return {
      page: {
        nextCursor: page.nextCursor,
        items: page.items.flatMap((award) =>
          award.payments.map((payment) => ({ consortium: award.consortium, award, payment })),
        ),
      },
      meta,
    };
  },
};

/** A need-weighted run (formula version 2, §3.31) says how need moved the money, and whether its weights are illustrative. */
function needWeightingNotes(needWeighting: NeedWeightingApplied | null | undefined): string[] {
  if (!needWeighting) return [];
  return [
    `Formula version 2, need-weighted (§3.31): each consortium's weighted capitation is multiplied by its need index ` +
      `(1.000 = the national average) from QOF ${needWeighting.prevalencePeriod} disease prevalence, at ` +
      `${needWeighting.strengthBasisPoints / 100}% strength, before the pot is shared. ${needWeighting.description}. ` +
      'The change is against version 1 (weighted capitation alone) on the same lists; the changes sum to zero.',
    ...(needWeighting.consortiaWithoutPrevalence.length
      ? [
          `No prevalence on record for ${needWeighting.consortiaWithoutPrevalence.join(', ')}: given the national average, 1.000.`,
        ]
      : []),
  ];
}

/** `2013/14` and `indicative` as the run's value in the query: `2013-14-indicative`. */
const runValue = (run: RunRow) => `${run.financialYear.replace('/', '-')}-${run.basis}`;

const allocations: Register<AllocationRow> = {
  name: 'allocations',
  title: 'Allocations',
  description:
    "Each consortium's allocation in a published run of the allocation formula (§3.5, §3.31): weighted capitation from its " +
    "practices' registered lists (under formula version 2, times the consortium's need index, with the change against " +
    'version 1), the running costs cap and the risk pool for consortia under the population threshold.',
  columns: allocationColumns,
  query: allocationRegisterList.query.extend({
    run: z
      .string()
      .regex(/^\d{4}-\d{2}-(indicative|real)$/, 'must be a published run such as 2013-14-indicative')
      .optional(),
  }),
  async read(db, query, places) {
    const runs = await publishedRuns(db);
    const run = query.run ? runs.find((r) => runValue(r) === query.run) : runs[0];
    const page = run ? await allocationLinesPage(db, run.id, query) : { items: [], nextCursor: null };
    return {
      page: await runLinesWithConsortia(db, places, run, page),
      meta: {
        lastUpdated: run
          ? run.announcedOn && run.announcedOn > run.createdAt
            ? run.announcedOn
            : run.createdAt
          : null,
        ruleVersions: run ? [run.formulaVersion] : [],
      },
      runs: runs.map((r) => ({
        value: runValue(r),
        text: `${r.financialYear}, ${r.basis}${r.status === 'superseded' ? ' (superseded)' : ''}`,
        selected: r === run,
      })),
      notes: needWeightingNotes(run?.needWeighting as NeedWeightingApplied | null | undefined),
      chart: run
        ? {
            src: `/allocations/${run.financialYear.replace('/', '-')}/${run.basis}/chart.svg`,
            alt:
              `Bar chart of the ${run.financialYear} ${run.basis} programme allocation per registered patient, one bar per consortium, ` +
              'highest first; consortia in the risk pool in red. The same figures are in the table.',
          }
        : null,
    };
  },
};

/** `2013/14` as the run's value in the query: `2013-14`. */
const premiumRunValue = (run: PremiumRunRow) => run.financialYear.replace('/', '-');

const qualityPremium: Register<PremiumRow> = {
  name: 'quality-premium',
  title: 'Quality premium',
  description:
    "Each consortium's quality premium in a published run (§5.17, 2013/14): up to £5 a head, scaled by the weights of the " +
    'measures it achieved, nothing if it overspent, shared among its member practices by list size to the penny. ' +
    'Each run names the assurance framework version whose measures and targets it applied.',
  columns: premiumColumns,
  query: premiumLineList.query.extend({
    run: z
      .string()
      .regex(/^\d{4}-\d{2}$/, 'must be a published year such as 2013-14')
      .optional(),
  }),
  async read(db, query, places) {
    const runs = await premiumRuns(db);
    const run = query.run ? runs.find((r) => premiumRunValue(r) === query.run) : runs[0];
    const page = run ? await premiumLinesPage(db, run.id, query) : { items: [], nextCursor: null };
    const totals = run ? (run.totals as { earnedPence?: string; consortia?: number; practices?: number }) : null;
    return {
      page: await runLinesWithConsortia(db, places, run, page),
      meta: {
        lastUpdated: run ? (run.publishedAt ?? run.createdAt) : null,
        ruleVersions: run ? [run.frameworkVersion] : [],
      },
      runs: runs.map((r) => ({ value: premiumRunValue(r), text: r.financialYear, selected: r === run })),
      notes: run
        ? [
            `${run.financialYear}: ${formatPence(totals?.earnedPence ?? '0')} earned by ${totals?.consortia ?? 0} consortia, ` +
              `shared among ${(totals?.practices ?? 0).toLocaleString('en-GB')} member practices; every penny is accounted for. ` +
              `Values ${run.valuesPeriod} from ${run.valueFiles.join(', ') || 'no file'}; lists ${run.listPeriod ?? 'on record'}.`,
            ...(run.illustrative
              ? ['ILLUSTRATIVE: the measures rest on values generated for the demonstration, not on published data.']
              : []),
          ]
        : [],
    };
  },
};

/** The registers, in the order the index lists them. */
export const REGISTERS = [decisions, interests, awards, payments, allocations, qualityPremium] as const;

export function registerNamed(name: string): Register<unknown> | undefined {
  return REGISTERS.find((register) => register.name === name) as Register<unknown> | undefined;
}
