/**
 * What a procurement's case page shows beyond the case record (Process 3: §5.11–5.13; KF Q16): the
 * published criteria, the bids with their conflict findings and their scores per criterion, who manages
 * it and how the hand-off went, the award with its reasons, and after the award the payments to
 * practices and the referral returns and reports. Made from the procurement as the viewer may read it
 * (api/readModels/procurements.ts `procurementOfCase`): names, £ and dates, never codes alone.
 */
import type { ProcurementView } from '../api/readModels/procurements';
import { personName } from './caseView';
import { money, ukDate, words } from './format';

const MANAGERS: Record<string, string> = {
  consortium: 'The consortium',
  consortium_with_mitigation: 'The consortium, with the conflicts mitigated',
  third_party: 'A third party (§5.13)',
};

type Row = { key: { text: string }; value: { text: string } };
const row = (key: string, value: string): Row => ({ key: { text: key }, value: { text: value } });

export function procurementCaseView(
  view: ProcurementView,
  people: Map<string, string>,
  organisationNames: Map<string, string>,
) {
  const party = (p: { kind: string; code: string }) =>
    p.kind === 'board'
      ? 'The NHS Commissioning Board'
      : `${organisationNames.get(p.code) ?? 'Local authority'} (${p.code})`;
  const bidderName = (id: string) => view.bids.find((b) => b.bidderId === id)?.bidderName ?? id;

  const summary: Row[] = [
    row('Service', view.service),
    row('Route', words(view.route)),
    row('Estimated value', money(view.estimatedValuePence)),
    row('Major procurement', view.major ? 'Yes: a conflicted bid hands it to a third party (§5.13)' : 'No'),
    row('Bids close', view.bidsCloseAt ? ukDate(view.bidsCloseAt) : 'Not yet open'),
  ];
  if (view.closedEarly)
    summary.push(
      row(
        'Bid window closed early',
        `${ukDate(view.closedEarly.closedAt)} by ${personName(people, view.closedEarly.closedBy)}: ${view.closedEarly.reasons}`,
      ),
    );
  summary.push(
    row(
      'Managed by',
      view.management
        ? (MANAGERS[view.management.managedBy] ?? view.management.managedBy)
        : 'Settled when the bids close',
    ),
  );
  if (view.thirdParty)
    summary.push(
      row(
        view.handOffAcceptedAt ? 'Third party' : 'Nominated third party',
        view.handOffAcceptedAt
          ? `${party(view.thirdParty)}, accepted on ${ukDate(view.handOffAcceptedAt)}`
          : `${party(view.thirdParty)}${view.handOffDueAt ? `, to accept or refuse by ${ukDate(view.handOffDueAt)}` : ''}`,
      ),
    );
  if (view.mitigation) summary.push(row('Mitigation', view.mitigation));

  const handOffs = [
    ...view.refusals.map((r) => ({
      at: r.at,
      text: `${party(r)} refused on ${ukDate(r.at)}: ${r.reason}`,
    })),
    ...view.lapsedHandOffs.map((l) => ({
      at: l.lapsedAt,
      text: `${party(l)} did not answer by ${ukDate(l.dueAt)}; the hand-off lapsed`,
    })),
  ]
    .sort((a, b) => a.at.localeCompare(b.at))
    .map((h) => h.text);

  const criteria = view.criteria.map((c) => ({ id: c.id, description: c.description, weight: c.weight }));
  const bids = view.bids.map((b) => ({
    name: b.bidderName,
    kind: words(b.bidderKind),
    value: money(b.valuePence),
    submitted: ukDate(b.submittedAt),
    conflict: b.assessment
      ? b.assessment.conflicted
        ? b.assessment.findings.map((f) => f.explanation).join(' ')
        : 'None found'
      : 'Not yet tested',
    scores: view.criteria.map((c) => b.scores?.[c.id] ?? null),
    score: b.score,
    scoredBy: b.scoredBy ? personName(people, b.scoredBy) : null,
    status: words(b.status),
  }));

  const award = view.award
    ? [
        row('Awarded to', bidderName(view.award.bidderId)),
        row('Contract value', money(view.award.valuePence)),
        row('Reasons', view.award.reasons),
        row(
          'Decided by',
          `${personName(people, view.award.decidedBy)} (${words(view.award.decidedRole).toLowerCase()})`,
        ),
        row('Decided on', ukDate(view.award.decidedAt)),
        row('Contract length', `${view.award.contractQuarters} quarter${view.award.contractQuarters === 1 ? '' : 's'}`),
        row(
          'Practices providing',
          view.award.providerPracticeCodes.length ? view.award.providerPracticeCodes.join(', ') : 'None',
        ),
      ]
    : null;

  return {
    title: view.title,
    summary,
    handOffs,
    criteria,
    bids,
    hiddenBids: view.bidCount - view.bids.length,
    award,
    payments: view.payments.map((p) => ({
      reference: p.key,
      practice: p.practiceCode,
      amount: money(p.amountPence),
      paidOn: ukDate(p.paidOn),
      description: p.description,
    })),
    referralReturns: view.referralReturns.map((r) => ({
      practice: r.practiceCode,
      quarter: r.quarter,
      toSelf: r.referralsToSelf,
      toOthers: r.referralsToOthers,
    })),
    referralReports: view.referralReports.map((report) => ({
      quarter: report.quarter,
      threshold: report.thresholdPercent,
      lines: report.lines.map((l) => ({
        practice: l.practiceCode,
        percent: l.selfReferralPercent === null ? 'Not reported' : `${l.selfReferralPercent}%`,
        flagged: l.flagged ? (l.reason ?? 'Flagged') : 'Within the threshold',
      })),
    })),
    awarded: view.award !== null,
  };
}
