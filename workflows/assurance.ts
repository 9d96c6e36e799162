/**
 * Assurance (Process 7; §5.14–5.18, KF Q6, Q17): the quarterly checkpoint with one consortium, and the
 * round that opens a quarter's checkpoints for every consortium when the timetable's milestone fires.
 *
 * `assuranceCheckpoint` (`assurance:<code>:<yyyy>-Q<n>`):
 * 1. the benchmark pack is assembled (an activity: ranks, spread, funnel zones, case-mix adjustment);
 * 2. the consortium submits its self-assessment per dimension (due in the framework's days);
 * 3. a case officer records a judgement per dimension, with the evidence;
 * 4. the checkpoint is agreed or escalated, and rated from the judgements;
 * 5. if the §5.18 rule fires, an intervention is proposed as a high-priority task for the case officer,
 *    with the evidence; the case officer decides. Nothing here opens an intervention case.
 *
 * `assuranceRound` (`assurance-round:<yyyy>-Q<n>`) starts one checkpoint per consortium, in batches;
 * each lives on its own (ABANDON). A consortium whose checkpoint is already open keeps it.
 */
import {
  ApplicationFailure,
  condition,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { AssuranceActivities } from '../activities/assurance';
import {
  assessmentProblem,
  assuranceWorkflowId,
  checkpointQuarter,
  checkpointRating,
  proposeIntervention,
  type CheckpointOutcome,
  type DimensionAssessment,
  type ProposalDecision,
} from '../domain/assurance';
import { DAY_MS } from '../domain/policy';
import { activityOptions } from './activityOptions';
import { updateCaseIndex } from './caseIndex';
import {
  ASSURANCE_STEPS,
  assuranceState,
  concludeCheckpoint,
  concludeCheckpointStep,
  decideInterventionProposal,
  decideInterventionProposalStep,
  recordAssuranceJudgement,
  recordAssuranceJudgementStep,
  submitSelfAssessment,
  submitSelfAssessmentStep,
  type AssuranceCheckpointInput,
  type AssuranceRoundInput,
  type AssuranceRoundResult,
  type AssuranceState,
} from './contracts/assurance';
import { checkStep, pendingSteps, taskCounter, type Actor } from './contracts/step';
import { processCalendar, scenarioOf } from './calendar';

const activities = proxyActivities<AssuranceActivities>(activityOptions('2 minutes'));

const SYSTEM: Actor = { id: 'system', role: 'system' };

export async function assuranceCheckpoint(input: AssuranceCheckpointInput): Promise<AssuranceState> {
  const workflowId = workflowInfo().workflowId;
  const quarter = checkpointQuarter(input.quarter);
  // The framework is snapshotted through an activity, so a replay sees the version the case started with.
  const framework = await activities.loadAssuranceFramework({ version: input.frameworkVersion });
  const calendar = processCalendar(input.clockOffsetMs); // the workflow clock on the scenario calendar
  const now = calendar.nowIso;
  const state: AssuranceState = {
    consortiumCode: input.consortiumCode,
    quarter: input.quarter,
    financialYear: quarter.financialYear,
    frameworkVersion: framework.version,
    stage: 'assembling_pack',
    pack: null,
    selfAssessment: null,
    judgement: null,
    conclusion: null,
    proposal: null,
    dueAt: null,
    openedAt: now(),
    closedAt: null,
  };
  setHandler(assuranceState, () => state);

  const assessed = (actor: Actor, dimensions: DimensionAssessment[]) => ({
    by: actor.id,
    role: actor.role,
    at: now(),
    dimensions,
  });
  const validAssessment = (dimensions: DimensionAssessment[]) => {
    const problem = assessmentProblem(framework, dimensions);
    if (problem) throw ApplicationFailure.nonRetryable(problem, 'InvalidInput');
  };
  setHandler(
    submitSelfAssessment,
    ({ actor, dimensions }) => {
      state.selfAssessment = assessed(actor, dimensions);
      state.stage = 'judgement';
      return state;
    },
    {
      validator: ({ actor, dimensions }) => {
        checkStep(submitSelfAssessmentStep, actor, state.stage);
        if (actor.consortiumCode !== input.consortiumCode)
          throw ApplicationFailure.nonRetryable(`only ${input.consortiumCode}'s officers may assess it`, 'Forbidden');
        validAssessment(dimensions);
      },
    },
  );
  setHandler(
    recordAssuranceJudgement,
    ({ actor, dimensions }) => {
      state.judgement = assessed(actor, dimensions);
      state.stage = 'conclusion';
      return state;
    },
    {
      validator: ({ actor, dimensions }) => {
        checkStep(recordAssuranceJudgementStep, actor, state.stage);
        validAssessment(dimensions);
      },
    },
  );
  let concluded: { actor: Actor; outcome: CheckpointOutcome; reasons: string } | null = null;
  setHandler(
    concludeCheckpoint,
    ({ actor, outcome, reasons }) => {
      const judgements = state.judgement?.dimensions ?? [];
      state.conclusion = {
        outcome,
        reasons,
        rating: checkpointRating(framework, judgements, outcome).id,
        by: actor.id,
        role: actor.role,
        at: now(),
      };
      const proposal = proposeIntervention(framework, judgements, outcome);
      state.proposal = proposal
        ? { ...proposal, decision: null, decisionReasons: null, decidedBy: null, decidedAt: null }
        : null;
      state.stage = proposal ? 'intervention_proposed' : outcome;
      concluded = { actor, outcome, reasons };
      return state;
    },
    { validator: ({ actor }) => checkStep(concludeCheckpointStep, actor, state.stage) },
  );
  let decided: { actor: Actor; decision: ProposalDecision; reasons: string } | null = null;
  setHandler(
    decideInterventionProposal,
    ({ actor, decision, reasons }) => {
      if (state.proposal)
        state.proposal = {
          ...state.proposal,
          decision,
          decisionReasons: reasons,
          decidedBy: actor.id,
          decidedAt: now(),
        };
      state.stage = state.conclusion?.outcome ?? 'agreed';
      decided = { actor, decision, reasons };
      return state;
    },
    { validator: ({ actor }) => checkStep(decideInterventionProposalStep, actor, state.stage) },
  );

  const opening = {
    workflowId,
    kind: 'assurance',
    consortiumCode: input.consortiumCode,
    title: `Assurance checkpoint ${quarter.label}: ${input.consortiumCode}`,
    policyVersion: framework.version,
    parentWorkflowId: null,
  };
  const tasks = taskCounter();
  const record = (
    step: string,
    actor: Actor,
    action: string,
    extra: {
      details?: Record<string, unknown>;
      decision?: { outcome: string; reasons?: string | null; details?: Record<string, unknown> };
      dueAt?: string | null;
      owner?: string | null;
      status?: 'open' | 'closed';
      settleDeadlines?: Array<{ step: string; status: 'met' | 'missed' | 'cancelled' }>;
      settles?: string;
    } = {},
  ) => {
    const { settles, ...rest } = extra;
    return activities.recordAssuranceStep({
      opening,
      step: {
        workflowId,
        step,
        stage: state.stage,
        actor: { id: actor.id, role: actor.role },
        action: `assurance.${action}`,
        ruleVersion: framework.version,
        ...rest,
        tasks: tasks(pendingSteps(ASSURANCE_STEPS, state), settles),
      },
      checkpoint: {
        consortiumCode: input.consortiumCode,
        quarter: input.quarter,
        financialYear: quarter.financialYear,
        frameworkVersion: framework.version,
        stage: state.stage,
        selfAssessment: state.selfAssessment,
        judgements: state.judgement,
        outcome: state.conclusion?.outcome ?? null,
        rating: state.stage === 'agreed' || state.stage === 'escalated' ? (state.conclusion?.rating ?? null) : null,
        concludedAt: state.stage === 'agreed' || state.stage === 'escalated' ? (state.conclusion?.at ?? null) : null,
      },
    });
  };
  const dueIn = (days: number) => new Date(calendar.nowMs() + days * DAY_MS).toISOString();

  await record('opened', input.openedBy, 'opened', { details: { roundWorkflowId: input.roundWorkflowId } });
  state.pack = await activities.assembleBenchmarkPack({
    workflowId,
    consortiumCode: input.consortiumCode,
    quarter: input.quarter,
    frameworkVersion: framework.version,
  });
  state.stage = 'self_assessment';
  state.dueAt = dueIn(framework.checkpointDays.selfAssessment);
  await record('pack-assembled', SYSTEM, 'pack_assembled', {
    dueAt: state.dueAt,
    owner: 'consortium_officer',
    details: { indicators: state.pack.lines.length, peerGroup: state.pack.peerGroup },
  });
  updateCaseIndex({ stage: state.stage, dueAt: new Date(state.dueAt) });

  await condition(() => state.stage !== 'self_assessment');
  const selfAssessment = state.selfAssessment as NonNullable<AssuranceState['selfAssessment']>;
  state.dueAt = dueIn(framework.checkpointDays.judgement);
  await record('self-assessment', { id: selfAssessment.by, role: selfAssessment.role }, 'self_assessed', {
    dueAt: state.dueAt,
    owner: 'case_officer',
    details: { dimensions: selfAssessment.dimensions },
    settleDeadlines: [{ step: 'pack-assembled', status: 'met' }],
    settles: submitSelfAssessmentStep.name,
  });
  updateCaseIndex({ stage: state.stage, dueAt: new Date(state.dueAt) });

  await condition(() => state.stage !== 'judgement');
  const judgement = state.judgement as NonNullable<AssuranceState['judgement']>;
  state.dueAt = null;
  await record('judgement', { id: judgement.by, role: judgement.role }, 'judged', {
    details: { dimensions: judgement.dimensions },
    settleDeadlines: [{ step: 'self-assessment', status: 'met' }],
    settles: recordAssuranceJudgementStep.name,
  });
  updateCaseIndex({ stage: state.stage, dueAt: null });

  await condition(() => concluded !== null);
  const conclusion = concluded as unknown as { actor: Actor; outcome: CheckpointOutcome; reasons: string };
  const rated = state.conclusion as NonNullable<AssuranceState['conclusion']>;
  await record('conclusion', conclusion.actor, conclusion.outcome, {
    decision: { outcome: conclusion.outcome, reasons: conclusion.reasons, details: { rating: rated.rating } },
    details: { rating: rated.rating, proposal: state.proposal },
    settles: concludeCheckpointStep.name,
    ...(state.proposal ? {} : { status: 'closed' as const }),
  });

  if (state.proposal) {
    // §5.18: the rule proposes; the case officer decides. The evidence is on the case and in the task's title.
    updateCaseIndex({ stage: state.stage });
    await condition(() => decided !== null);
    const decision = decided as unknown as { actor: Actor; decision: ProposalDecision; reasons: string };
    await record('intervention-proposal', decision.actor, `proposal_${decision.decision}`, {
      decision: {
        outcome: decision.decision,
        reasons: decision.reasons,
        details: { ruleId: state.proposal.ruleId, evidence: state.proposal.evidence },
      },
      status: 'closed',
      settles: decideInterventionProposalStep.name,
    });
  }
  state.closedAt = now();
  updateCaseIndex({ stage: state.stage, dueAt: null });
  return state;
}

export async function assuranceRound(input: AssuranceRoundInput): Promise<AssuranceRoundResult> {
  const workflowId = workflowInfo().workflowId;
  const quarter = checkpointQuarter(input.quarter);
  const frameworkVersion = await activities.assuranceFrameworkFor({ financialYear: quarter.financialYear });
  if (frameworkVersion === null)
    return {
      quarter: input.quarter,
      frameworkVersion: null,
      consortia: 0,
      opened: 0,
      alreadyOpen: 0,
      skipReason: `no assurance framework is on record for ${quarter.financialYear}`,
    };
  const consortia = await activities.assuranceConsortia();
  let opened = 0;
  let alreadyOpen = 0;
  for (let from = 0; from < consortia.length; from += input.batchSize) {
    await Promise.all(
      consortia.slice(from, from + input.batchSize).map(async (consortiumCode) => {
        try {
          await startChild(assuranceCheckpoint, {
            workflowId: assuranceWorkflowId(consortiumCode, input.quarter),
            args: [
              {
                consortiumCode,
                quarter: input.quarter,
                frameworkVersion,
                roundWorkflowId: workflowId,
                openedBy: input.actor,
                ...scenarioOf(input),
              },
            ],
            parentClosePolicy: ParentClosePolicy.ABANDON,
          });
          opened += 1;
        } catch (error) {
          // The business key: a checkpoint already open for this consortium and quarter keeps going.
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          alreadyOpen += 1;
        }
      }),
    );
  }
  return {
    quarter: input.quarter,
    frameworkVersion,
    consortia: consortia.length,
    opened,
    alreadyOpen,
    skipReason: null,
  };
}
