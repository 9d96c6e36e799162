import { describe, expect, it } from 'vitest';
import {
  caseUrl,
  dateInWords,
  deadlineInWords,
  noticeText,
  noticeUrl,
  renderNoticeEmail,
} from '../../activities/noticeMail';

describe('notice e-mails (issue 13, item 6)', () => {
  it('When a date is written for people, then it is in words, in Europe/London', () => {
    expect(dateInWords('2012-12-14')).toBe('Friday 14 December 2012');
    // 23:30 UTC on 31 March 2013 is already 1 April in London (BST).
    expect(dateInWords('2013-03-31T23:30:00.000Z')).toBe('Monday 1 April 2013');
  });

  it('When a deadline is an instant, then midnight is the end of the day before and any other time is kept', () => {
    expect(deadlineInWords('2012-12-14')).toBe('Friday 14 December 2012');
    expect(deadlineInWords('2012-12-15T00:00:00.000Z')).toBe('the end of Friday 14 December 2012');
    expect(deadlineInWords('2012-12-14T14:05:00.000Z')).toBe('2:05pm on Friday 14 December 2012');
    expect(deadlineInWords('2013-07-01T08:30:00.000Z')).toBe('9:30am on Monday 1 July 2013');
  });

  it('When a case link is written, then it is absolute and the workflow id is URL-encoded', () => {
    expect(caseUrl('https://casework.example/', 'intervention:00C:2013-01')).toBe(
      'https://casework.example/cases/intervention%3A00C%3A2013-01',
    );
  });

  it('When a notice is rendered, then it has its reasons, £ amounts, dates in words, the issuer by name and the link', () => {
    const content = {
      title: 'Request to take commissioning responsibilities from Y01',
      body: 'The Board asks Y02 to take the responsibilities below.',
      reasons: 'Repeated failure to deliver the remedial plan.',
      facts: [
        { label: 'Community services, budget share', pence: '300000000' },
        { label: 'Effective from', date: '2013-04-01' },
      ],
      respondBy: '2012-12-14T17:00:00.000Z',
    };
    const text = renderNoticeEmail(content, {
      workflowId: 'intervention:Y01:2012-11',
      publicUrl: 'http://127.0.0.1:3000',
      issuedByName: 'A Officer, case officer',
      issuedAt: new Date('2012-12-03T10:00:00Z'),
      ruleVersion: 'ladder-2012.1',
    });
    expect(text).toContain('Reasons for the decision:\nRepeated failure to deliver the remedial plan.');
    expect(text).toContain('Community services, budget share: £3,000,000.00');
    expect(text).toContain('Effective from: Monday 1 April 2013');
    expect(text).toContain('Respond on the case page, by 5:00pm on Friday 14 December 2012:');
    expect(text).toContain('\nhttp://127.0.0.1:3000/cases/intervention%3AY01%3A2012-11\n');
    expect(text).toContain('Issued on Monday 3 December 2012 by A Officer, case officer.');
    expect(text).not.toMatch(/\b\d+p\b/);
    expect(text).not.toMatch(/through the API/);
    expect(noticeText(content)).not.toContain('/cases/');
  });

  it('When a notice asks for a response and its id is known, then the e-mail links to its own page first, and to the case', () => {
    const text = renderNoticeEmail(
      { title: 'Remedial action notice', body: 'Send a remedial plan.', respondBy: '2012-12-14T17:00:00.000Z' },
      {
        workflowId: 'intervention:Y01:2012-11',
        publicUrl: 'https://casework.example/',
        noticeId: '0b6c1f2e-8d4a-4f1e-9a53-2f0f7c9d1e11',
        issuedByName: null,
        issuedAt: new Date('2012-12-03T10:00:00Z'),
        ruleVersion: 'ladder-2012.1',
      },
    );
    expect(noticeUrl('https://casework.example/', 'n1')).toBe('https://casework.example/notices/n1');
    expect(text).toContain(
      'Read the notice and respond on its page, by 5:00pm on Friday 14 December 2012:\n' +
        'https://casework.example/notices/0b6c1f2e-8d4a-4f1e-9a53-2f0f7c9d1e11\n',
    );
    expect(text).toContain('\nhttps://casework.example/cases/intervention%3AY01%3A2012-11\n');
    expect(text.indexOf('/notices/')).toBeLessThan(text.indexOf('/cases/'));
  });

  it('When an automatic step issues a notice with nothing to respond to, then it says so and still links the case', () => {
    const text = renderNoticeEmail(
      { title: 'Established', body: 'The consortium is a statutory body (§4.1).' },
      {
        workflowId: 'authorisation:00C',
        publicUrl: 'https://casework.example',
        issuedByName: null,
        issuedAt: new Date('2013-04-01T00:00:00Z'),
        ruleVersion: 'r1',
      },
    );
    expect(text).toContain('Issued on Monday 1 April 2013 automatically by the casework engine.');
    expect(text).toContain('https://casework.example/cases/authorisation%3A00C');
    expect(text).not.toContain('Reasons');
  });
});
