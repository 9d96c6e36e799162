/**
 * The QOF (Quality and Outcomes Framework) disease registers the engine reads: the assurance
 * framework shows their prevalence as case-mix context (domain/assuranceFramework.ts), and formula
 * version 2 of the allocation weighs them into a need index (domain/allocation.ts `needIndices`, §3.31).
 * Kept apart from both so that the policy document can name them without importing the assurance
 * framework (which reads the seeded policy).
 */

/**
 * The QOF 2013/14 registers as published in `QOF_2013-14_prevalence_by_CCG.csv`: the file's
 * `indicator_group` and `Register_description`, and the indicator each becomes. `HF` appears twice per
 * consortium under two register definitions, so the description tells them apart (`qof-hf` and
 * `qof-hf-lvd`). 23 groups, 24 series.
 */
export const QOF_REGISTERS: readonly { group: string; description: string; id: string; name: string }[] = [
  ['AF', 'Atrial Fibrillation', 'atrial fibrillation'],
  ['AST', 'Asthma', 'asthma'],
  ['CAN', 'Cancer', 'cancer'],
  ['CHD', 'Coronary Heart Disease', 'coronary heart disease'],
  ['CKD', 'Chronic Kidney Disease', 'chronic kidney disease'],
  ['COPD', 'Chronic Obstructive Pulmonary Disease', 'chronic obstructive pulmonary disease'],
  ['CVDPP', 'Cardiovascular Disease - Primary Prevention', 'cardiovascular disease, primary prevention'],
  ['DEM', 'Dementia', 'dementia'],
  ['DEP', 'Depression', 'depression'],
  ['DM', 'Diabetes', 'diabetes'],
  ['EP', 'Epilepsy', 'epilepsy'],
  ['HF', 'Heart Failure', 'heart failure'],
  ['HF', 'Heart Failure due to LVD', 'heart failure due to left ventricular dysfunction'],
  ['HYP', 'Hypertension', 'hypertension'],
  ['LD', 'Learning  Disabilities', 'learning disabilities'],
  ['MH', 'Mental Health', 'mental health'],
  ['OB', 'Obesity', 'obesity'],
  ['OST', 'Osteoporosis', 'osteoporosis'],
  ['PAD', 'Peripheral Atrial Disease', 'peripheral arterial disease'],
  ['PC', 'Palliative Care', 'palliative care'],
  ['RA', 'Rheumatoid Arthritis', 'rheumatoid arthritis'],
  ['SMOK', 'Smoking Indicators', 'smoking (recorded smokers)'],
  ['STIA', 'Stroke', 'stroke and transient ischaemic attack'],
  ['THY', 'Thyroid', 'hypothyroidism'],
].map(([group, description, name]) => ({
  group: group as string,
  description: description as string,
  id: `qof-${(group as string).toLowerCase()}${description === 'Heart Failure due to LVD' ? '-lvd' : ''}`,
  name: `Prevalence: ${name as string}`,
}));

/** The period of a year's QOF values, e.g. `2013-14`. */
export const QOF_PERIOD = '2013-14';
