/** The workflow bundle's entry point: every process the worker runs. */
export { shadowFormation } from './shadowFormation';
