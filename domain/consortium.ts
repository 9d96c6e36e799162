/**
 * Rules about forming a consortium (§2.10–2.12, §4.1–4.7). Pure: no I/O, safe inside the workflow
 * sandbox and in the API's validators alike.
 */

/** 2013 CCG codes are three characters, digits and capitals, e.g. `00C`, `99Q`. */
export const CONSORTIUM_CODE = /^[0-9A-Z]{3}$/;
/** GP practice codes: a letter then five digits, e.g. `A81001`. */
export const PRACTICE_CODE = /^[A-Z][0-9]{5}$/;

export type ConsortiumStatus =
  | 'forming'
  | 'shadow'
  | 'lapsed'
  | 'applying'
  | 'authorised'
  | 'authorised_with_conditions'
  | 'established_not_authorised';

export interface ShadowFormation {
  code: string;
  name: string;
  memberPracticeCodes: string[];
}

export interface FormationProblem {
  field: string;
  rule: string;
  message: string;
}

/**
 * What must hold before a shadow consortium is recorded (§4.7: practices form a consortium in shadow
 * form). Every practice must belong to exactly one consortium (§2.11, §4.3), so a practice named twice,
 * or already a member of another consortium, is a problem.
 */
export function checkShadowFormation(
  formation: ShadowFormation,
  currentConsortiumOf: (practiceCode: string) => string | undefined = () => undefined,
): FormationProblem[] {
  const problems: FormationProblem[] = [];
  if (!CONSORTIUM_CODE.test(formation.code)) {
    problems.push({
      field: 'code',
      rule: 'consortium-code',
      message: 'must be three digits or capital letters, e.g. 00C',
    });
  }
  if (formation.name.trim().length === 0)
    problems.push({ field: 'name', rule: 'name-required', message: 'must not be blank' });
  if (formation.memberPracticeCodes.length === 0) {
    problems.push({
      field: 'memberPracticeCodes',
      rule: '§4.7',
      message: 'a consortium is formed by at least one practice',
    });
  }
  const seen = new Set<string>();
  formation.memberPracticeCodes.forEach((practice, index) => {
    if (!PRACTICE_CODE.test(practice)) {
      problems.push({
        field: `memberPracticeCodes.${index}`,
        rule: 'practice-code',
        message: `${practice} is not a practice code (a letter and five digits)`,
      });
    } else if (seen.has(practice)) {
      problems.push({ field: `memberPracticeCodes.${index}`, rule: '§2.11', message: `${practice} is named twice` });
    } else {
      const other = currentConsortiumOf(practice);
      if (other !== undefined && other !== formation.code) {
        problems.push({
          field: `memberPracticeCodes.${index}`,
          rule: '§2.11',
          message: `${practice} is already a member of consortium ${other}`,
        });
      }
    }
    seen.add(practice);
  });
  return problems;
}
