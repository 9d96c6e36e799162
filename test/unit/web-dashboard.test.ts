/** A consortium officer's dashboard and notices (issue 14): which notice awaits a response, the days left, past milestones. */
import { describe, expect, it } from 'vitest';
import { noticeAwaitingResponse } from '../../api/readModels/dashboard';
import { pastMilestones } from '../../domain/interventionCase';
import { timeLeft } from '../../web/routes/dashboard';

const at = (iso: string) => new Date(iso);

describe('the notices awaiting a response', () => {
  const notices = [
    { id: 'a1', workflowId: 'A', respondBy: at('2013-01-10T00:00:00Z'), issuedAt: at('2012-12-01T00:00:00Z') },
    { id: 'a2', workflowId: 'A', respondBy: at('2013-02-10T00:00:00Z'), issuedAt: at('2013-01-11T00:00:00Z') },
    { id: 'a3', workflowId: 'A', respondBy: null, issuedAt: at('2013-01-12T00:00:00Z') },
    { id: 'b1', workflowId: 'B', respondBy: at('2013-01-20T00:00:00Z'), issuedAt: at('2013-01-01T00:00:00Z') },
    { id: 'c1', workflowId: 'C', respondBy: at('2013-01-05T00:00:00Z'), issuedAt: at('2013-01-01T00:00:00Z') },
  ];

  it("When cases wait for the consortium, then each case's latest notice with a respond-by is listed, soonest first", () => {
    const steps = [
      { workflowId: 'A', roles: ['consortium_officer'] },
      { workflowId: 'B', roles: ['consortium_officer', 'third_party'] },
      { workflowId: 'C', roles: ['case_officer'] },
    ];
    expect(noticeAwaitingResponse(notices, steps, 'consortium_officer').map((n) => n.id)).toEqual(['b1', 'a2']);
    // A case that waits for someone else awaits nothing of the consortium.
    expect(noticeAwaitingResponse(notices, steps, 'case_officer').map((n) => n.id)).toEqual(['c1']);
    expect(noticeAwaitingResponse(notices, [], 'consortium_officer')).toEqual([]);
  });
});

describe('the time left to respond', () => {
  const now = at('2013-01-10T12:00:00Z');
  it('When the date is ahead, then the days left count a part of a day as a day', () => {
    expect(timeLeft(at('2013-01-15T12:00:00Z'), now)).toEqual({ text: '5 days left', overdue: false });
    expect(timeLeft(at('2013-01-10T18:00:00Z'), now)).toEqual({ text: '1 day left', overdue: false });
  });
  it('When the date has passed, then it is overdue, and says by how long', () => {
    expect(timeLeft(at('2013-01-08T12:00:00Z'), now)).toEqual({ text: 'Overdue by 2 days', overdue: true });
  });
});

describe('a remedial plan’s milestones (§5.19)', () => {
  it('When a milestone is before today, then it is named by its field; today and later are fine', () => {
    expect(
      pastMilestones(
        [
          { description: 'today', dueOn: '2013-01-10' },
          { description: 'past', dueOn: '2013-01-09' },
          { description: 'ahead', dueOn: '2014-01-01' },
        ],
        '2013-01-10',
      ),
    ).toEqual([{ field: 'body.milestones.1.dueOn', reason: 'must not be in the past (today is 2013-01-10)' }]);
    expect(pastMilestones(undefined, '2013-01-10')).toEqual([]);
  });
});
