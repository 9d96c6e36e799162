/**
 * What a step's form shows that its schema cannot say (web/forms.ts `FormHints`): which criteria an
 * authorisation step lists, from the catalogue the case snapshotted, and the proposed conditions a
 * response or a decision is about (Process 1; §4.2, §4.8). Steps without hints get the plain form.
 */
import type { Client } from '@temporalio/client';
import { authorisationDetail } from '../api/readModels/authorisations';
import { consortiumLocalAuthorities, liveProcurement } from '../api/readModels/procurements';
import { criteriaCatalogueCited, policyVersions } from '../api/readModels/policy';
import type { Criterion } from '../domain/authorisation';
import type { Db } from '../platform/db';
import { interventionState, interventionWorkflowId } from '../workflows/contracts/intervention';
import type { FormHints, HintedItem } from './forms';
import { money, ukDate } from './format';

export interface HintContext {
  db: Db;
  temporal: Client;
  caseKind: string;
  params: Record<string, string>;
  step: string;
  item: string | null;
}

const criterionItem = (criterion: Pick<Criterion, 'id' | 'description'>): HintedItem => ({
  value: criterion.id,
  label: `${criterion.id}: ${criterion.description}`,
});

async function authorisationHints(context: HintContext): Promise<FormHints> {
  const code = context.params.code ?? '';
  const state = await authorisationDetail(context, code);
  const catalogue = await criteriaCatalogueCited(context.db, state.policyVersion, state.ruleVersions.catalogue);
  const conditions = state.proposedConditions.map((c) => ({
    value: c.criterionId,
    label: `${c.criterionId}: ${c.criterion}`,
  }));
  switch (context.step) {
    case 'submitAuthorisationApplication': {
      const members = await context.db.membership.findMany({
        where: { consortiumCode: code, validTo: null },
        orderBy: { practiceCode: 'asc' },
        select: { practiceCode: true },
      });
      return {
        rows: { evidence: { key: 'criterionId', items: catalogue.criteria.map(criterionItem) } },
        values: { memberPracticeCodes: members.map((m) => m.practiceCode) },
        labels: { memberPracticeCodes: 'Member practice codes', localAuthorities: 'Local authorities' },
      };
    }
    case 'recordAssessmentStep': {
      const step = context.item ?? state.assessment.progress;
      const criteria =
        step === 'moderation'
          ? catalogue.criteria
          : catalogue.criteria.filter((c) => (c.evidencedBy as readonly string[]).includes(step));
      return {
        variant: step,
        rows: {
          results: { key: 'criterionId', items: criteria.map(criterionItem) },
          supportLevels: { key: 'criterionId', items: conditions },
        },
      };
    }
    case 'respondToProposedConditions':
      return { rows: { conditionComments: { key: 'criterionId', items: conditions } } };
    case 'decideAuthorisation':
      return { options: { withdrawConditions: conditions.map((c) => ({ value: c.value, text: c.label })) } };
    case 'moveAuthorisationPolicy': {
      // The published versions other than the case's, newest first, as the public register lists them.
      const versions = (await policyVersions(context.db, { drafts: false })).filter(
        (v) => v.id !== state.policyVersion,
      );
      return {
        options: {
          toVersion: versions.map((v) => ({
            value: v.id,
            text: `${v.id}, in force from ${ukDate(v.effectiveFrom)}${v.reasons ? `: ${v.reasons}` : ''}`,
          })),
        },
        labels: {
          toVersion: `Policy version to move to (the case applies ${state.policyVersion} now)`,
          reasons: 'Why the case moves',
        },
      };
    }
    default:
      return {};
  }
}

/**
 * A response to an intervention answers the notice of the case's stage now (a response to an earlier
 * stage is too late, 409), so the page sends that stage rather than asking for it (§5.19).
 */
async function interventionHints(context: HintContext): Promise<FormHints> {
  if (context.step !== 'submitInterventionResponse') return {};
  const { code = '', period = '' } = context.params;
  const state = await context.temporal.workflow
    .getHandle(interventionWorkflowId(code, period))
    .query(interventionState);
  return {
    fixed: { respondsTo: state.stage },
    labels: {
      kind: 'What you are sending',
      body: 'Your response',
      'milestones[]': 'Milestone',
      'milestones.description': 'What will be done',
      'milestones.dueOn': 'Due on',
    },
  };
}

/**
 * A procurement's steps (Process 3, §5.13): a score per published criterion with its weight, the
 * scored bids to award to, and the consortium's local authorities to nominate.
 */
async function procurementHints(context: HintContext): Promise<FormHints> {
  switch (context.step) {
    case 'scoreBid': {
      const state = await liveProcurement(context.temporal, context.params.id ?? '');
      const entries = state.criteria.map((c) => ({
        value: c.id,
        label: c.description,
        description: `Weight ${c.weight}. A whole number from 0 to 100.`,
      }));
      const bid = state.bids.find((b) => b.bidderId === context.item);
      return {
        entries: { scores: entries },
        ...(bid ? { itemLabel: `${bid.bidderName}, ${money(bid.valuePence)}` } : {}),
      };
    }
    case 'awardProcurement': {
      const state = await liveProcurement(context.temporal, context.params.id ?? '');
      const bids = [...state.bids].sort((a, b) => (b.score ?? -1) - (a.score ?? -1));
      return {
        options: {
          bidderId: bids.map((b) => ({
            value: b.bidderId,
            text: `${b.bidderName}: ${b.score === null ? 'not scored' : `weighted score ${b.score}`}, ${money(b.valuePence)}`,
          })),
        },
        labels: { bidderId: 'Award to', contractQuarters: 'Contract length in quarters' },
      };
    }
    case 'nominateThirdParty': {
      const state = await liveProcurement(context.temporal, context.params.id ?? '');
      const authorities = await consortiumLocalAuthorities(context.db, state.consortiumCode);
      return {
        options: { localAuthorityCode: authorities.map((a) => ({ value: a.code, text: `${a.name} (${a.code})` })) },
        labels: { localAuthorityCode: 'Local authority (for a local authority only)' },
      };
    }
    default:
      return {};
  }
}

export async function stepHints(context: HintContext): Promise<FormHints> {
  if (context.caseKind === 'authorisation') return authorisationHints(context);
  if (context.caseKind === 'intervention') return interventionHints(context);
  if (context.caseKind === 'procurement') return procurementHints(context);
  return {};
}
