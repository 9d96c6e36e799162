/**
 * What a step's form shows that its schema cannot say (web/forms.ts `FormHints`): which criteria an
 * authorisation step lists, from the catalogue the case snapshotted, and the proposed conditions a
 * response or a decision is about (Process 1; §4.2, §4.8). Steps without hints get the plain form.
 */
import type { Client } from '@temporalio/client';
import { authorisationDetail } from '../api/readModels/authorisations';
import { criteriaCatalogueCited } from '../api/readModels/policy';
import type { Criterion } from '../domain/authorisation';
import type { Db } from '../platform/db';
import type { FormHints, HintedItem } from './forms';

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
    default:
      return {};
  }
}

export async function stepHints(context: HintContext): Promise<FormHints> {
  if (context.caseKind === 'authorisation') return authorisationHints(context);
  return {};
}
