/**
 * domain/timetable.ts against DOMAIN.md Process 4 (the 2010–2014 reform timetable, §2.22, §7.1),
 * Process 2 (the four authorisation waves) and Process 5 (the 2013/14 allocation announced on
 * 18 Dec 2012). Expected dates, years and quarters are written out by hand from DOMAIN.md, or
 * computed by the small April–March rule below, never by the calendar module under test.
 */
import { SEEDED_POLICY } from '../../domain/policySeed';
import { describe, expect, it } from 'vitest';
import {
  allocationSettingsFor,
  defaultTimetable,
  financialYearFromSlug,
  financialYearSlug,
  MILESTONE_KINDS,
  recurringMilestones,
  reformMilestones,
  sortMilestones,
  type MilestoneDefinition,
  type TimetablePolicy,
} from '../../domain/timetable';

/** DOMAIN.md Process 4: years run April–March; Q1 Apr–Jun, Q2 Jul–Sep, Q3 Oct–Dec, Q4 Jan–Mar. */
function expectedPlace(iso: string): { financialYear: string; quarter: string } {
  const [year = 0, month = 0] = iso.split('-').map(Number);
  const startYear = month >= 4 ? year : year - 1;
  const label = `${startYear}/${String((startYear + 1) % 100).padStart(2, '0')}`;
  const quarter = month >= 4 && month <= 6 ? 1 : month >= 7 && month <= 9 ? 2 : month >= 10 ? 3 : 4;
  return { financialYear: label, quarter: `Q${quarter} ${label}` };
}

const byKey = (milestones: readonly MilestoneDefinition[], key: string): MilestoneDefinition => {
  const found = milestones.find((m) => m.key === key);
  if (!found) throw new Error(`no milestone ${key} among ${milestones.map((m) => m.key).join(', ')}`);
  return found;
};

/** A milestone as a bare definition for the ordering tests. */
const bare = (key: string, dueOn: string): MilestoneDefinition => ({
  key,
  kind: 'reform_stage',
  title: key,
  dueOn,
  financialYear: '',
  quarter: '',
  source: 'test',
});

describe('the 2010–2014 reform timetable (Process 4)', () => {
  const reform = reformMilestones(SEEDED_POLICY);

  it('When the reform timetable is built, then it holds the three reform stages in 2010/11, 2011/12 and 2012/13', () => {
    const stages = reform.filter((m) => m.kind === 'reform_stage');
    expect(stages.map((m) => m.financialYear)).toEqual(['2010/11', '2011/12', '2012/13']);
    expect(byKey(reform, 'reform:shadow-formation').title).toMatch(/shadow form/i);
    expect(byKey(reform, 'reform:shadow-system').title).toMatch(/comprehensive shadow system/i);
    expect(byKey(reform, 'reform:board-statutory').title).toMatch(/statutory/i);
    // 2012/13: the Board becomes statutory before it announces the 2013/14 allocations in Q3.
    expect(byKey(reform, 'reform:board-statutory').dueOn < '2012-12-18').toBe(true);
  });

  it(
    'When the reform timetable is built, ' +
      'then the Board announces the 2013/14 allocations on 18 Dec 2012, in Q3 2012/13, as indicative budgets e-mailed to every consortium',
    () => {
      const announcement = byKey(reform, 'announce-allocation:2013/14');
      expect(announcement).toMatchObject({
        kind: 'announce_allocation',
        dueOn: '2012-12-18',
        financialYear: '2012/13',
        quarter: 'Q3 2012/13',
      });
      expect(announcement.skipReason).toBeUndefined();
      expect(announcement.allocation).toMatchObject({
        financialYear: '2013/14',
        basis: 'indicative',
        notifyConsortia: true,
      });
      // Process 5: £63.4bn programme allocation, running costs capped at £25 a head, a quality premium of up to £5 a head.
      expect(announcement.allocation?.parameters).toMatchObject({
        financialYear: '2013/14',
        programmePotPence: 63_400_000_000 * 100,
        runningCostsCapPencePerHead: 25 * 100,
        qualityPremiumMaxPencePerHead: 5 * 100,
        announcedOn: '2012-12-18',
      });
    },
  );

  it(
    'When primary care trusts cease on 1 April 2013, ' +
      'then coverage is checked and the 2013/14 budgets switch from indicative to real that day, without e-mailing anyone',
    () => {
      const coverage = byKey(reform, 'check-coverage:2013-04-01');
      expect(coverage).toMatchObject({
        kind: 'check_coverage',
        dueOn: '2013-04-01',
        financialYear: '2013/14',
        quarter: 'Q1 2013/14',
      });
      expect(coverage.title).toMatch(/primary care trusts cease/i);
      const switchToReal = byKey(reform, 'switch-budgets:2013/14');
      expect(switchToReal).toMatchObject({
        kind: 'switch_budgets',
        dueOn: '2013-04-01',
        financialYear: '2013/14',
        quarter: 'Q1 2013/14',
      });
      expect(switchToReal.allocation).toMatchObject({
        financialYear: '2013/14',
        basis: 'real',
        notifyConsortia: false,
      });
    },
  );

  it('When the reform timetable is built, then it holds the four authorisation waves on their 2012/13 decision dates, 211 consortia in all', () => {
    const waves = reform.filter((m) => m.kind === 'authorisation_wave');
    expect(waves.map((m) => [m.key, m.dueOn, m.quarter])).toEqual([
      ['authorisation-wave:1', '2012-12-05', 'Q3 2012/13'],
      ['authorisation-wave:2', '2013-01-18', 'Q4 2012/13'],
      ['authorisation-wave:3', '2013-02-15', 'Q4 2012/13'],
      ['authorisation-wave:4', '2013-03-06', 'Q4 2012/13'],
    ]);
    const consortia = waves.map((m) => Number(/\((\d+) consortia\)/.exec(m.title)?.[1]));
    expect(consortia).toEqual([34, 67, 62, 48]);
    expect(consortia.reduce((sum, n) => sum + n, 0)).toBe(211);
  });

  it('When any reform milestone is built, then its financial year and quarter are those of its date, its kind is a known kind and it cites a source', () => {
    for (const m of reform) {
      expect({ key: m.key, ...expectedPlace(m.dueOn) }).toEqual({
        key: m.key,
        financialYear: m.financialYear,
        quarter: m.quarter,
      });
      expect(MILESTONE_KINDS).toContain(m.kind);
      expect(m.source, m.key).toMatch(/§|Process/);
    }
  });
});

describe('the recurring cycle (Process 4)', () => {
  it('When the 2013/14 cycle is built, then a condition review opens each quarter: 1 Apr, 1 Jul, 1 Oct 2013 and 1 Jan 2014', () => {
    const reviews = recurringMilestones(2013, SEEDED_POLICY.timetable).filter((m) => m.kind === 'condition_review');
    expect(reviews.map((m) => [m.key, m.dueOn, m.quarter])).toEqual([
      ['condition-review:Q1 2013/14', '2013-04-01', 'Q1 2013/14'],
      ['condition-review:Q2 2013/14', '2013-07-01', 'Q2 2013/14'],
      ['condition-review:Q3 2013/14', '2013-10-01', 'Q3 2013/14'],
      ['condition-review:Q4 2013/14', '2014-01-01', 'Q4 2013/14'],
    ]);
    expect(reviews.every((m) => m.financialYear === '2013/14')).toBe(true);
  });

  it('When the 2013/14 cycle is built, then an assurance checkpoint opens the day after each quarter ends (Process 7); 2014/15, with no framework, is skipped with the reason', () => {
    const checkpoints = recurringMilestones(2013, SEEDED_POLICY.timetable).filter(
      (m) => m.kind === 'assurance_checkpoint',
    );
    expect(checkpoints.map((m) => [m.key, m.dueOn, m.assuranceQuarter])).toEqual([
      ['assurance-checkpoint:2013-Q1', '2013-07-01', '2013-Q1'],
      ['assurance-checkpoint:2013-Q2', '2013-10-01', '2013-Q2'],
      ['assurance-checkpoint:2013-Q3', '2014-01-01', '2013-Q3'],
      ['assurance-checkpoint:2013-Q4', '2014-04-01', '2013-Q4'],
    ]);
    const later = recurringMilestones(2014, SEEDED_POLICY.timetable).filter((m) => m.kind === 'assurance_checkpoint');
    expect(later).toHaveLength(4);
    expect(later.every((m) => m.assuranceQuarter === undefined && m.skipReason?.includes('2014/15'))).toBe(true);
  });

  it('When the 2012/13 cycle is built, then its Q3 announcement is the 2013/14 allocation on 18 Dec 2012 with the configured parameters', () => {
    const cycle = recurringMilestones(2012, SEEDED_POLICY.timetable);
    const announcement = byKey(cycle, 'announce-allocation:2013/14');
    expect(announcement).toMatchObject({ kind: 'announce_allocation', dueOn: '2012-12-18', quarter: 'Q3 2012/13' });
    expect(announcement.allocation?.parameters.programmePotPence).toBe(6_340_000_000_000);
    // The year's budgets become real on the first day of the year allocated.
    expect(byKey(cycle, 'switch-budgets:2013/14')).toMatchObject({
      dueOn: '2013-04-01',
      allocation: { basis: 'real' },
    });
  });

  it(
    'When a year with no configured allocation parameters comes round, ' +
      'then its announcement and switch are still in Q3 and on 1 April but are skipped with a reason, not run on an invented pot',
    () => {
      const cycle = recurringMilestones(2013, SEEDED_POLICY.timetable);
      const announcement = byKey(cycle, 'announce-allocation:2014/15');
      expect(announcement).toMatchObject({ kind: 'announce_allocation', dueOn: '2013-12-18', quarter: 'Q3 2013/14' });
      expect(announcement.allocation).toBeUndefined();
      expect(announcement.skipReason).toContain('2014/15');
      const switchToReal = byKey(cycle, 'switch-budgets:2014/15');
      expect(switchToReal).toMatchObject({ dueOn: '2014-04-01', quarter: 'Q1 2014/15' });
      expect(switchToReal.allocation).toBeUndefined();
      expect(switchToReal.skipReason).toContain('2014/15');
    },
  );

  it('When the policy moves the announcement day, then each year the announcement falls on that day of Q3', () => {
    const policy: TimetablePolicy = {
      ...SEEDED_POLICY.timetable,
      version: 'test',
      allocationAnnouncementMonthDay: '11-30',
    };
    for (const startYear of [2012, 2013, 2020]) {
      const announcement = recurringMilestones(startYear, policy).find((m) => m.kind === 'announce_allocation');
      expect(announcement?.dueOn).toBe(`${startYear}-11-30`);
      expect(announcement?.quarter).toBe(expectedPlace(`${startYear}-11-30`).quarter);
    }
  });

  it('When the policy names a day that does not exist, then building the cycle fails rather than inventing a date', () => {
    expect(() =>
      recurringMilestones(2013, { ...SEEDED_POLICY.timetable, allocationAnnouncementMonthDay: '11-31' }),
    ).toThrow(RangeError);
  });

  it(
    'When the default policy is read, ' +
      'then announcements are on 18 December, a practice has 28 days to join a consortium, and consortia are e-mailed in batches',
    () => {
      const policy = SEEDED_POLICY.timetable;
      expect(policy.allocationAnnouncementMonthDay).toBe('12-18');
      expect(policy.coverageJoinDays).toBe(28);
      expect(policy.announcementBatchSize).toBeGreaterThan(0);
      expect(policy.announcementBatchSize).toBeLessThan(211);
    },
  );
});

describe('the default timetable', () => {
  const { milestones, nextRecurringYear } = defaultTimetable(SEEDED_POLICY);

  it('When the default timetable is built, then it is the reform timetable plus the 2013/14 cycle, each milestone once, and 2014/15 comes next', () => {
    const keys = milestones.map((m) => m.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const m of [...reformMilestones(SEEDED_POLICY), ...recurringMilestones(2013, SEEDED_POLICY.timetable)])
      expect(keys).toContain(m.key);
    // 3 reform stages + 4 waves + announcement + coverage + switch; 4 reviews + 4 assurance checkpoints
    // + next announcement + next switch.
    expect(milestones).toHaveLength(20);
    expect(nextRecurringYear).toBe(2014);
    expect(milestones[0]).toMatchObject({ key: 'reform:shadow-formation', dueOn: '2010-04-01' });
    expect(milestones.at(-1)).toMatchObject({ key: 'switch-budgets:2014/15', dueOn: '2014-04-01' });
  });

  it('When milestones fall on the same day, then they fire in key order: on 1 April 2013 coverage, then the Q1 review, then the switch to real budgets', () => {
    expect(milestones.filter((m) => m.dueOn === '2013-04-01').map((m) => m.key)).toEqual([
      'check-coverage:2013-04-01',
      'condition-review:Q1 2013/14',
      'switch-budgets:2013/14',
    ]);
    for (let i = 1; i < milestones.length; i += 1) {
      const [before, after] = [milestones[i - 1] as MilestoneDefinition, milestones[i] as MilestoneDefinition];
      expect(
        before.dueOn < after.dueOn || (before.dueOn === after.dueOn && before.key < after.key),
        `${before.key} before ${after.key}`,
      ).toBe(true);
    }
  });

  it(
    'When the announcement and the authorisation waves are placed in order, ' +
      'then wave 1 (5 Dec) comes before the announcement (18 Dec) and wave 2 (18 Jan) after it',
    () => {
      const keys = milestones.map((m) => m.key);
      expect(keys.indexOf('authorisation-wave:1')).toBeLessThan(keys.indexOf('announce-allocation:2013/14'));
      expect(keys.indexOf('announce-allocation:2013/14')).toBeLessThan(keys.indexOf('authorisation-wave:2'));
      expect(keys.indexOf('authorisation-wave:4')).toBeLessThan(keys.indexOf('check-coverage:2013-04-01'));
    },
  );
});

describe('sortMilestones', () => {
  it('When milestones are given out of order, then they come back by date and, on the same date, by key, and the input is left as it was', () => {
    const input = [bare('b', '2013-04-01'), bare('z', '2012-12-18'), bare('a', '2013-04-01'), bare('m', '2010-04-01')];
    const copy = [...input];
    expect(sortMilestones(input).map((m) => m.key)).toEqual(['m', 'z', 'a', 'b']);
    expect(input).toEqual(copy);
  });

  it('When a milestone has a date that is not a real calendar date, then sorting refuses it', () => {
    expect(() => sortMilestones([bare('a', '2013-02-30'), bare('b', '2013-04-01')])).toThrow(RangeError);
  });
});

describe('allocation settings and year slugs', () => {
  it('When the 2013/14 settings are looked up, then they are there with versioned weights; a year with none configured gives nothing', () => {
    const settings = allocationSettingsFor(SEEDED_POLICY.timetable, '2013/14');
    expect(settings?.parameters.financialYear).toBe('2013/14');
    expect(settings?.weights.version).toEqual(expect.any(String));
    expect(settings?.weights.unit).toBe('per-mille');
    expect(allocationSettingsFor(SEEDED_POLICY.timetable, '2014/15')).toBeUndefined();
    expect(allocationSettingsFor(SEEDED_POLICY.timetable, '2013-14')).toBeUndefined();
  });

  it('When a year label becomes a slug for ids and URLs, then the slash becomes a hyphen and back again', () => {
    expect(financialYearSlug('2013/14')).toBe('2013-14');
    expect(financialYearFromSlug('2013-14')).toBe('2013/14');
    expect(financialYearFromSlug(financialYearSlug('1999/00'))).toBe('1999/00');
  });
});
