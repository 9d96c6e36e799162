/**
 * The policy document (issue 15): the seeded 2012/13 version passes the schema every version must
 * pass, each value carries its source, and the schema, the relabelling rule and the diff refuse or
 * report what an admin's draft gets wrong.
 */
import { describe, expect, it } from 'vitest';
import {
  policyDocumentSchema,
  resolvePolicy,
  unrelabelledTables,
  type PolicyDocument,
} from '../../domain/policyDocument';
import { SEED_POLICY_DOCUMENT, SEED_POLICY_VERSION, SEEDED_POLICY } from '../../domain/policySeed';
import { policyChanges } from '../../api/readModels/policy';

const copy = (): PolicyDocument => structuredClone(SEED_POLICY_DOCUMENT);

/** Every `{ value, source }` leaf of the document, by path. */
function sourcedValues(node: unknown, path: string[] = []): Array<{ path: string; source: unknown }> {
  if (node === null || typeof node !== 'object') return [];
  if ('value' in node && 'source' in node)
    return [{ path: path.join('.'), source: (node as { source: unknown }).source }];
  return Object.entries(node).flatMap(([key, child]) => sourcedValues(child, [...path, key]));
}

describe('the seeded policy document', () => {
  it('When the 2012/13 seed is checked, then it passes the schema every draft must pass', () => {
    const parsed = policyDocumentSchema.safeParse(SEED_POLICY_DOCUMENT);
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it('When its values are listed, then each carries a source: a paragraph, a 2012/13 fact or an engine default', () => {
    const values = sourcedValues(SEED_POLICY_DOCUMENT);
    expect(values.length).toBeGreaterThanOrEqual(38);
    // Entries of the tables carry theirs too: ladder stages, waves, reform milestones.
    for (const entry of [
      ...SEED_POLICY_DOCUMENT.interventionLadder.stages,
      ...SEED_POLICY_DOCUMENT.authorisation.waveSchedule.waves,
      ...SEED_POLICY_DOCUMENT.timetable.reformStages,
    ])
      expect(entry.source).toMatch(/§|2012\/13 fact/);
    for (const { path, source } of values)
      expect(source, path).toMatch(/§|KF Q|2012\/13 fact|engine default|a closed case/);
    expect(SEED_POLICY_DOCUMENT.general.conditionsResponseDays).toEqual({
      value: 14,
      source: expect.stringContaining('2012/13 fact'),
    });
  });

  it('When it is resolved, then the processes get the 2012/13 tables under their labels', () => {
    expect(SEEDED_POLICY.version).toBe(SEED_POLICY_VERSION);
    expect(SEEDED_POLICY.general).toMatchObject({
      version: '2012-13.1',
      conditionsResponseDays: 14,
      declarationDays: 28,
    });
    expect(SEEDED_POLICY.ladder.version).toBe('intervention-ladder-2012-13.2');
    expect(SEEDED_POLICY.ladder.stages.find((s) => s.stage === 'conditions')?.deadlineDays).toBe(14);
    expect(SEEDED_POLICY.ladder.financialTriggerThresholdBasisPoints).toBe(100);
    expect(SEEDED_POLICY.waveSchedule.waves.map((w) => w.consortia)).toEqual([34, 67, 62, 48]);
    expect(SEEDED_POLICY.timetable.allocationSettings?.['2013/14']?.parameters).toMatchObject({
      financialYear: '2013/14',
      programmePotPence: 6_340_000_000_000,
      runningCostsCapPencePerHead: 2_500,
      qualityPremiumMaxPencePerHead: 500,
      riskPool: { populationThreshold: 100_000 },
    });
  });
});

describe('a draft', () => {
  it('When a value is out of range, then the schema names its field', () => {
    const draft = copy() as unknown as { general: { conditionsResponseDays: { value: number } } };
    draft.general.conditionsResponseDays.value = 0;
    const parsed = policyDocumentSchema.safeParse(draft);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['general.conditionsResponseDays.value']);
  });

  it('When a value has no source, then it is refused', () => {
    const draft = copy();
    draft.general.declarationDays.source = '  ';
    expect(policyDocumentSchema.safeParse(draft).error?.issues.map((i) => i.path.join('.'))).toEqual([
      'general.declarationDays.source',
    ]);
  });

  it('When a wave is decided after establishment, then the wave schedule check names the wave', () => {
    const draft = copy();
    const wave = draft.authorisation.waveSchedule.waves[3];
    if (wave) wave.decisionDate = '2013-05-01';
    const paths = policyDocumentSchema.safeParse(draft).error?.issues.map((i) => i.path.join('.'));
    expect(paths).toContain('authorisation.waveSchedule.waves.3');
  });

  it('When the conditions period changes from 14 to 21 days, then the diff shows that one value and no label is needed', () => {
    const draft = copy();
    draft.general.conditionsResponseDays = { value: 21, source: 'engine default: a longer response period' };
    expect(policyChanges(SEED_POLICY_DOCUMENT, draft)).toEqual([
      { path: 'general.conditionsResponseDays.value', change: 'changed', from: 14, to: 21 },
      {
        path: 'general.conditionsResponseDays.source',
        change: 'changed',
        from: SEED_POLICY_DOCUMENT.general.conditionsResponseDays.source,
        to: 'engine default: a longer response period',
      },
    ]);
    expect(unrelabelledTables(SEED_POLICY_DOCUMENT, draft)).toEqual([]);
    expect(resolvePolicy('2012-13.2', draft).general).toMatchObject({
      version: '2012-13.2',
      conditionsResponseDays: 21,
    });
  });

  it('When a ladder deadline changes but the ladder keeps its label, then the label is asked for; with a new label it passes', () => {
    const draft = copy();
    const stage = draft.interventionLadder.stages[0];
    if (stage) stage.deadlineDays = { value: 10, source: 'engine default' };
    expect(unrelabelledTables(SEED_POLICY_DOCUMENT, draft)).toEqual([
      { field: 'interventionLadder.version', reason: expect.stringContaining('needs a new version label') },
    ]);
    draft.interventionLadder.version = 'intervention-ladder-2012-13.3';
    expect(unrelabelledTables(SEED_POLICY_DOCUMENT, draft)).toEqual([]);
  });

  it('When only a source is corrected, then no table needs a new label', () => {
    const draft = copy();
    draft.procurement.process.bidWindowDays.source = 'engine default (corrected citation)';
    expect(unrelabelledTables(SEED_POLICY_DOCUMENT, draft)).toEqual([]);
  });
});
