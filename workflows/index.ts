/** The workflow bundle's entry point: every process the worker runs. */
export { shadowFormation } from './shadowFormation';
export { membershipChange } from './membershipChange'; // [issue 3: membership change exports]
export { authorisation } from './authorisation';
// [issue 4: authorisation exports]
export { intervention } from './intervention';
export { practiceConcern } from './practiceConcern';
// [issue 5: intervention exports]
export { procurement } from './procurement';
export { declarations } from './declarations';
// [issue 6: procurement exports]
export { timetable } from './timetable';
export { allocationRun } from './allocation';
export { coverageCheck, practiceCoverage } from './coverage';
// [issue 7: timetable, allocation and coverage exports]
export { assuranceCheckpoint, assuranceRound } from './assurance';
export { qualityPremiumRun } from './qualityPremium';
// [issue 17: assurance exports]
