/** How the pages write dates, money and codes for people (web/format.ts) and who did what (web/caseView.ts). */
import { describe, expect, it } from 'vitest';
import { eventFacts, humanise, personName } from '../../web/caseView';
import { money, ukDate, ukDateTime, words } from '../../web/format';

describe('web formats', () => {
  it('When a date is shown, then it is in UK form on the London calendar, in GMT and in BST', () => {
    expect(ukDate('2012-12-18T10:00:00Z')).toBe('18 December 2012');
    // 23:30 UTC on 31 March 2013 is already 1 April in London (BST began that morning).
    expect(ukDate('2013-03-31T23:30:00Z')).toBe('1 April 2013');
    expect(ukDateTime('2012-12-18T14:05:00Z')).toBe('18 December 2012 at 2:05pm');
    expect(ukDateTime('2013-07-01T08:00:00Z')).toBe('1 July 2013 at 9:00am');
    expect(ukDate(null)).toBe('');
    expect(ukDate('not a date')).toBe('');
  });

  it('When money is shown, then integer pence are pounds', () => {
    expect(money(13_033_600_000)).toBe('£130,336,000.00');
    expect(money('300000000')).toBe('£3,000,000.00');
    expect(money(null)).toBe('');
  });

  it('When a code is shown, then it is in words', () => {
    expect(words('information_request')).toBe('Information request');
    expect(words('notice.remedial_action')).toBe('Notice: remedial action');
    expect(words(null)).toBe('');
  });

  it('When an event names a person, then the page shows the name, never the id', () => {
    const names = new Map([['5b0c1d2e-0000-4000-8000-000000000001', 'Casey Officer']]);
    expect(personName(names, '5b0c1d2e-0000-4000-8000-000000000001')).toBe('Casey Officer');
    expect(personName(names, 'system')).toBe('The system');
    expect(personName(names, '5b0c1d2e-0000-4000-8000-00000000dead')).toBe('Someone not on record');
  });

  it("When the engine's own text names a user by id and money in pence, then the page shows a name and pounds", () => {
    const names = new Map([['11fa9438-baa0-4154-964c-6945909957cc', 'Hana Home']]);
    expect(
      humanise('A forecast overspend of 210000000p (reported by 11fa9438-baa0-4154-964c-6945909957cc)', names),
    ).toBe('A forecast overspend of £2,100,000.00 (reported by Hana Home)');
  });

  it("When an event's details carry reasons, a rule version, money and recipients, then they are shown as facts", () => {
    const facts = eventFacts({
      eventKey: 'k',
      occurredAt: new Date('2013-10-01T09:00:00Z'),
      actor: 'system',
      action: 'intervention.opened',
      details: {
        stage: 'information_request',
        role: 'case_officer',
        ruleVersion: 'intervention-ladder/1',
        decision: { outcome: 'escalate', reasons: 'the deadline passed' },
        forecastOverspendPence: 210_000_000,
        recipients: [],
      },
      scenarioOffsetMs: 0n,
    });
    expect(facts).toEqual([
      { key: 'Stage', value: 'Information request' },
      { key: 'Decision', value: 'Escalate' },
      { key: 'Why', value: 'the deadline passed' },
      { key: 'Acting as', value: 'Case officer' },
      { key: 'Rule version', value: 'intervention-ladder/1' },
      { key: 'Forecast overspend', value: '£2,100,000.00' },
      { key: 'Sent to', value: 'No one: there was no one to notify' },
    ]);
  });

  it('When an event was recorded on a scenario calendar, then its real time is shown beside it', () => {
    // 1 October 2012 09:00 on a calendar 14 years behind: recorded for real on 1 October 2026 at 10:00am (BST).
    const offset = Date.parse('2012-10-01T09:00:00Z') - Date.parse('2026-10-01T09:00:00Z');
    const event = {
      eventKey: 'k',
      occurredAt: new Date('2012-10-01T09:00:00Z'),
      actor: 'system',
      action: 'x',
      details: {},
    };
    expect(eventFacts({ ...event, scenarioOffsetMs: BigInt(offset) })).toEqual([
      { key: 'Recorded (real time)', value: '1 October 2026 at 10:00am' },
    ]);
    expect(eventFacts({ ...event, scenarioOffsetMs: 0n })).toEqual([]);
  });
});
