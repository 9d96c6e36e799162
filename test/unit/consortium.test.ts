import { describe, expect, it } from 'vitest';
import { checkShadowFormation } from '../../domain/consortium';

describe('checkShadowFormation (§2.11, §4.3, §4.7)', () => {
  const valid = { code: '00C', name: 'NHS Darlington', memberPracticeCodes: ['A83005', 'A83010'] };

  it('When the formation is well formed and no practice is taken, then there are no problems', () => {
    expect(checkShadowFormation(valid)).toEqual([]);
  });

  it('When the code is not three capitals or digits, then the code is reported', () => {
    expect(checkShadowFormation({ ...valid, code: '0c' }).map((p) => p.field)).toEqual(['code']);
  });

  it('When no practice is named, then §4.7 is reported', () => {
    expect(checkShadowFormation({ ...valid, memberPracticeCodes: [] })).toEqual([
      expect.objectContaining({ field: 'memberPracticeCodes', rule: '§4.7' }),
    ]);
  });

  it('When a practice is named twice, then the second mention is reported under §2.11', () => {
    const problems = checkShadowFormation({ ...valid, memberPracticeCodes: ['A83005', 'A83005'] });
    expect(problems).toEqual([expect.objectContaining({ field: 'memberPracticeCodes.1', rule: '§2.11' })]);
  });

  it('When a practice is already in another consortium, then that consortium is named', () => {
    const problems = checkShadowFormation(valid, (practice) => (practice === 'A83010' ? '00D' : undefined));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toContain('00D');
    expect(problems[0]?.field).toBe('memberPracticeCodes.1');
  });

  it('When a practice is already in this same consortium, then that is not a problem', () => {
    expect(checkShadowFormation(valid, () => '00C')).toEqual([]);
  });

  it('When a practice code is malformed, then it is reported by index', () => {
    expect(checkShadowFormation({ ...valid, memberPracticeCodes: ['A83005', 'nope'] }).map((p) => p.field)).toEqual([
      'memberPracticeCodes.1',
    ]);
  });
});
