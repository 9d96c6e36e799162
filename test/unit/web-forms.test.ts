/** Step forms from the step table (web/forms.ts): every field from the row's schema, and back to the body. */
import { describe, expect, it } from 'vitest';
import { errorsOf, formItems, readForm, type FormItem } from '../../web/forms';
import { stageSteps } from '../../web/caseView';
import {
  applicationBody,
  assessmentStepBody,
  conditionsResponseBody,
  decisionBody,
  decisionStep,
} from '../../workflows/contracts/authorisation';
import { membershipDecisionBody } from '../../workflows/contracts/membershipChange';
import { financialReportBody, submitInterventionResponseStep } from '../../workflows/contracts/intervention';
import { registerProcurementBody } from '../../workflows/contracts/procurement';
import { scoreBody } from '../../workflows/contracts/procurement';

const names = (items: FormItem[]) =>
  items.flatMap((item) => ('params' in item ? [`${item.macro}:${String(item.params.name)}`] : []));

describe('step forms', () => {
  it('When a decision form is built, then each field has the control its schema calls for', () => {
    const items = formItems(decisionBody, {}, {}, {});
    expect(names(items)).toEqual([
      'radios:outcome',
      'textarea:reasons',
      'textarea:withdrawConditions',
      'textarea:explicitSteps',
      'textarea:interimArrangements',
    ]);
    const outcome = items[0] as Extract<FormItem, { params: unknown }>;
    expect((outcome.params.items as { text: string }[]).map((i) => i.text)).toEqual([
      'Authorised',
      'Authorised with conditions',
      'Established not authorised',
    ]);
    // A list of IDs with hinted choices becomes checkboxes.
    const hinted = formItems(
      decisionBody,
      { options: { withdrawConditions: [{ value: '1.1A', text: '1.1A' }] } },
      {},
      {},
    );
    expect(names(hinted)).toContain('checkboxes:withdrawConditions');
  });

  it('When the fields come back, then they are the body the API takes, lists one per line', () => {
    const read = readForm(
      decisionBody,
      {},
      {
        outcome: 'established_not_authorised',
        reasons: 'Line one\r\nline two',
        explicitSteps: 'Appoint a CFO\r\n\r\n  Agree the plan  ',
        interimArrangements: 'The cluster keeps the budget',
        withdrawConditions: '',
      },
    );
    expect(read).toEqual({
      ok: true,
      body: {
        outcome: 'established_not_authorised',
        reasons: 'Line one\nline two',
        explicitSteps: ['Appoint a CFO', 'Agree the plan'],
        interimArrangements: ['The cluster keeps the budget'],
      },
    });
  });

  it('When fields are missing or wrong, then the problems are the API\u2019s, named by field, and the summary links to each', () => {
    const read = readForm(decisionBody, {}, { outcome: 'maybe', reasons: '   ' });
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.errors.map((e) => e.field)).toEqual(['outcome', 'reasons']);
    expect(read.errors[1]?.reason).toBe('is required');
    const { summary, inline } = errorsOf(read.errors, formItems(decisionBody, {}, {}, {}));
    expect(summary[1]).toEqual({ text: 'Reasons is required', href: '#reasons' });
    expect(summary[0]?.href).toBe('#outcome');
    expect(inline.reasons).toBe('Reasons is required');
  });

  it('When an assessment step is built for its item, then it lists the hinted criteria and keeps every row', () => {
    const hints = {
      variant: 'site_visit',
      rows: {
        results: {
          key: 'criterionId',
          items: [
            { value: '1.1A', label: '1.1A: Clinical leaders' },
            { value: '1.2A', label: '1.2A: Plans' },
          ],
        },
      },
    };
    const items = formItems(assessmentStepBody, hints, {}, {});
    expect(items.filter((i) => i.macro === 'hidden')).toEqual([
      { macro: 'hidden', name: 'step', value: 'site_visit' },
      { macro: 'hidden', name: 'results.0.criterionId', value: '1.1A' },
      { macro: 'hidden', name: 'results.1.criterionId', value: '1.2A' },
    ]);
    expect(names(items)).toContain('radios:results.1.met');
    expect(names(items)).toContain('input:respondents');

    // The second criterion is not answered: the row is kept, so the schema says what is missing.
    const read = readForm(assessmentStepBody, hints, {
      summary: 'Visited',
      'results.0.criterionId': '1.1A',
      'results.0.met': 'false',
      'results.0.supportLevel': 'II',
      'results.1.criterionId': '1.2A',
      respondents: 'forty',
    });
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.errors).toEqual([
      { field: 'respondents', reason: 'must be a whole number' },
      { field: 'results.1.met', reason: 'is required' },
    ]);
    const { summary } = errorsOf(read.errors, items);
    expect(summary.map((s) => s.text)).toEqual(['Respondents must be a whole number', '1.2A: Plans: met is required']);
    expect(summary[1]?.href).toBe('#results-1-met');
  });

  it('When a list of objects is not hinted, then blank rows are offered and rows left blank are dropped', () => {
    const items = formItems(applicationBody, {}, {}, {});
    expect(names(items).filter((n) => n.startsWith('input:localAuthorities.'))).toHaveLength(6);
    const read = readForm(
      applicationBody,
      {},
      {
        'accountableOfficer.name': 'Ann',
        'accountableOfficer.email': 'ann@x.example',
        'chiefFinanceOfficer.name': 'Carl',
        'chiefFinanceOfficer.email': 'carl@x.example',
        memberPracticeCodes: 'A81001\nA81002',
        'localAuthorities.0.code': '',
        'localAuthorities.0.name': '',
        'localAuthorities.1.code': 'E06000005',
        'localAuthorities.1.name': 'Darlington',
      },
    );
    expect(read).toMatchObject({
      ok: true,
      body: {
        memberPracticeCodes: ['A81001', 'A81002'],
        localAuthorities: [{ code: 'E06000005', name: 'Darlington' }],
        evidence: [],
      },
    });
    // What was entered is shown again, with the blank rows after it.
    const again = formItems(applicationBody, {}, { 'localAuthorities.4.code': 'E06000001' }, {});
    expect(names(again).filter((n) => n.startsWith('input:localAuthorities.') && n.endsWith('.code'))).toHaveLength(8);
  });

  it('When a body is a record (a score per criterion), then it has one field per hinted key, read back by key', () => {
    const hints = {
      entries: {
        scores: [
          { value: 'quality', label: 'Quality of the service model', description: 'Weight 60.' },
          { value: 'price', label: 'Value for money' },
        ],
      },
    };
    const items = formItems(scoreBody, hints, {}, {});
    expect(names(items)).toEqual(['input:scores.quality', 'input:scores.price', 'textarea:note']);
    const quality = items.find((i) => 'params' in i && i.params.name === 'scores.quality') as Extract<
      FormItem,
      { params: unknown }
    >;
    expect(quality.params).toMatchObject({ id: 'scores-quality', label: { text: 'Quality of the service model' } });
    expect(readForm(scoreBody, hints, { 'scores.quality': '80', 'scores.price': '70' })).toEqual({
      ok: true,
      body: { scores: { quality: 80, price: 70 } },
    });
    // Out of range: the schema's own message at the criterion's field; not a number: refused before it.
    const refused = readForm(scoreBody, hints, { 'scores.quality': '130', 'scores.price': 'seventy' });
    expect(refused.ok).toBe(false);
    const fields = refused.ok ? [] : refused.errors.map((e) => e.field);
    expect(fields).toEqual(['scores.price', 'scores.quality']);
    // Without hints there is nothing to score: no field is invented.
    expect(names(formItems(scoreBody, {}, {}, {}))).toEqual(['textarea:note']);
  });

  it('When a body is one of several shapes, then the form is the chosen one, and a yes/no is radios', () => {
    const approve = formItems(membershipDecisionBody, { variant: 'approved' }, {}, {});
    expect(approve.find((i) => i.macro === 'hidden')).toMatchObject({ name: 'outcome', value: 'approved' });
    expect(names(formItems(conditionsResponseBody, {}, {}, {}))[0]).toBe('radios:accepts');
    expect(readForm(conditionsResponseBody, {}, { accepts: 'false', comments: 'No' })).toEqual({
      ok: true,
      body: { accepts: false, comments: 'No' },
    });
  });

  it('When a decision imposes conditions, then its row says so, so the pages ask to check the answers', () => {
    expect(decisionStep.consequence?.({ outcome: 'authorised', reasons: 'x' })).toBeNull();
    expect(decisionStep.consequence?.({ outcome: 'authorised_with_conditions', reasons: 'x' })).toMatch(/conditions/);
  });

  it('When the stepper is drawn, then stages before the case\u2019s are completed and its own is in progress', () => {
    const steps = stageSteps(['a', 'b', 'c'], 'b', true);
    expect(
      steps.map((s) => {
        const status = s.status as { text?: string; tag?: { text: string } };
        return status.tag?.text ?? status.text;
      }),
    ).toEqual(['Completed', 'In progress', 'Not yet started']);
    expect(stageSteps(['a', 'b'], 'b', false).map((s) => s.status.text)).toEqual(['Completed', 'Completed']);
  });

  describe('a remedial plan: a stage the page sets, and milestones with dates as day, month and year', () => {
    const body = submitInterventionResponseStep.body;
    const hints = { fixed: { respondsTo: 'remedial_action_notice' }, labels: { 'milestones[]': 'Milestone' } };

    it('When the form is built, then the stage is not asked, and each milestone has a GOV.UK date input', () => {
      const items = formItems(body, hints, {}, {});
      expect(items.find((i) => i.macro === 'hidden')).toEqual({
        macro: 'hidden',
        name: 'respondsTo',
        value: 'remedial_action_notice',
      });
      expect(items.some((i) => 'params' in i && i.params.name === 'respondsTo')).toBe(false);
      const dates = items.filter((i) => i.macro === 'date') as Extract<FormItem, { summary: string }>[];
      expect(dates.map((d) => d.field)).toEqual(['milestones.0.dueOn', 'milestones.1.dueOn', 'milestones.2.dueOn']);
      expect(dates[0]?.params.namePrefix).toBe('milestones.0.dueOn');
      expect((dates[0]?.params.items as { name: string }[]).map((i) => i.name)).toEqual(['day', 'month', 'year']);
    });

    it('When the dates come back as day, month and year, then the body has ISO dates and blank rows are dropped', () => {
      const read = readForm(body, hints, {
        respondsTo: 'information_request',
        kind: 'remedial_plan',
        body: 'QIPP plan',
        'milestones.0.description': 'Run-rate at budget',
        'milestones.0.dueOn-day': '31',
        'milestones.0.dueOn-month': '3',
        'milestones.0.dueOn-year': '2099',
        'milestones.1.description': '',
        'milestones.1.dueOn-day': '',
      });
      expect(read).toEqual({
        ok: true,
        body: {
          // The page's stage, whatever was posted.
          respondsTo: 'remedial_action_notice',
          kind: 'remedial_plan',
          body: 'QIPP plan',
          milestones: [{ description: 'Run-rate at budget', dueOn: '2099-03-31' }],
        },
      });
    });

    it('When a date is not a real one, then it is refused at its field, and the summary links to its day', () => {
      const raw = {
        kind: 'remedial_plan',
        body: 'QIPP plan',
        'milestones.0.description': 'Run-rate at budget',
        'milestones.0.dueOn-day': '30',
        'milestones.0.dueOn-month': '2',
        'milestones.0.dueOn-year': '2099',
      };
      const read = readForm(body, hints, raw);
      expect(read.ok).toBe(false);
      const problems = read.ok ? [] : read.errors;
      expect(problems).toEqual([{ field: 'milestones.0.dueOn', reason: expect.stringMatching(/must be a real date/) }]);
      const { summary, inline } = errorsOf(problems, formItems(body, hints, raw, {}));
      expect(summary).toEqual([
        { text: expect.stringMatching(/^Milestone 1: due on must be a real date/), href: '#milestones-0-dueOn-day' },
      ]);
      // What was typed stays in the boxes, marked as in error.
      const date = formItems(body, hints, raw, inline).find((i) => i.macro === 'date') as Extract<
        FormItem,
        { summary: string }
      >;
      expect(date.params.errorMessage).toEqual({ text: expect.stringMatching(/must be a real date/) });
      expect((date.params.items as { value: string; classes: string }[])[0]).toMatchObject({
        value: '30',
        classes: expect.stringContaining('govuk-input--error'),
      });
    });
  });

  it('When an amount in pence is asked, then it is asked and shown in pounds, and read back as exact pence', () => {
    const items = formItems(financialReportBody, { values: { allocationPence: '13033600000' } }, {}, {});
    const allocation = items.find((i) => 'params' in i && i.params.name === 'allocationPence') as Extract<
      FormItem,
      { summary: string }
    >;
    expect(allocation.params).toMatchObject({ value: '130,336,000.00', prefix: { text: '£' } });
    expect(allocation.summary).toBe('Allocation');
    expect(JSON.stringify(allocation.params.hint)).not.toContain('pence:');
    const read = readForm(
      financialReportBody,
      {},
      {
        forecastOverspendPence: '-£2,100,000.05',
        allocationPence: '130336000',
        reportedFor: '2013-10',
      },
    );
    expect(read).toEqual({
      ok: true,
      body: { forecastOverspendPence: -210000005, allocationPence: 13033600000, reportedFor: '2013-10' },
    });
    const refused = readForm(
      financialReportBody,
      {},
      { forecastOverspendPence: '2.5p', allocationPence: '1', reportedFor: '2013-10' },
    );
    expect(refused.ok ? [] : refused.errors).toEqual([
      { field: 'forecastOverspendPence', reason: 'must be an amount in pounds, for example 2,100,000.00' },
    ]);
  });

  it('When an optional group is left blank, then it is absent from the body, not an empty object', () => {
    const raw = {
      consortiumCode: '00C',
      title: 'Community diabetes service',
      service: 'Diabetes care in the community',
      estimatedValuePence: '250,000',
      route: 'competitive_tender',
      'singleTender.providerId': '',
      'singleTender.justification': '',
      'criteria.0.id': 'quality',
      'criteria.0.description': 'Clinical quality',
      'criteria.0.weight': '60',
      decisionGroupPersonIds: ['6f1c2a9e-1b2c-4d3e-8f90-123456789abc'],
    };
    const read = readForm(registerProcurementBody, {}, raw);
    expect(read.ok).toBe(true);
    const body = read.ok ? (read.body as Record<string, unknown>) : {};
    expect(body.singleTender).toBeUndefined();
    expect(body.estimatedValuePence).toBe(25_000_000);
    expect(body.criteria).toEqual([{ id: 'quality', description: 'Clinical quality', weight: 60 }]);
  });
});
