/**
 * Practice-level concerns (§5.21): a consortium first works with a practice that wastes resources;
 * if the problem persists, the Board takes it up through the practice's primary care contract. A
 * smaller case that escalates from the consortium to the Board. Versioned policy data, snapshotted
 * when a case opens.
 */
export interface PracticeConcernPolicy {
  version: string;
  /** Days the consortium has to resolve the concern with the practice before it goes to the Board (engine default). */
  consortiumResolutionDays: number;
  /** Days the Board's case officer has to decide on the primary-care contract concern (engine default; a due date). */
  boardDecisionDays: number;
}

export const PRACTICE_CONCERN_STAGES = [
  'with_consortium',
  'resolved_by_consortium',
  'contract_concern',
  'closed_by_board',
] as const;
export type PracticeConcernStage = (typeof PRACTICE_CONCERN_STAGES)[number];

/** What the Board may decide on a primary-care contract concern (§5.21). */
export const BOARD_OUTCOMES = ['resolved', 'contract_action'] as const;
export type BoardOutcome = (typeof BOARD_OUTCOMES)[number];
