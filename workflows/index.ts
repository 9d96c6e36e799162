/** The workflow bundle's entry point: every process the worker runs. */
export { shadowFormation } from './shadowFormation';
// [issue 4: authorisation exports]
// [issue 5: intervention exports]
// [issue 6: procurement exports]
// [issue 7: timetable, allocation and coverage exports]
