/**
 * Infrastructure faults never fail a case (the brief; issue 16, item 2): every activity a workflow
 * calls is retried without an attempt cap, and only business errors are final.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { activityOptions, BUSINESS_ERRORS, RETRY_WITHOUT_CAP } from '../../workflows/activityOptions';

const workflowsDir = path.resolve(__dirname, '../../workflows');
const workflowFiles = fs
  .readdirSync(workflowsDir)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => ({ name, text: fs.readFileSync(path.join(workflowsDir, name), 'utf8') }));

describe('activity retries', () => {
  it('When an activity is retried, then no attempt cap applies and the backoff is capped at minutes', () => {
    const options = activityOptions('30 seconds');
    expect(options.retry?.maximumAttempts).toBeUndefined();
    expect(options.retry?.maximumInterval).toBe('2 minutes');
    expect(options.scheduleToCloseTimeout).toBe('7 days');
    expect(RETRY_WITHOUT_CAP.maximumAttempts).toBeUndefined();
  });

  it('When a business error is thrown, then it is final; nothing else is', () => {
    expect(activityOptions('1 minute').retry?.nonRetryableErrorTypes).toEqual([...BUSINESS_ERRORS]);
  });

  it('When a workflow proxies activities, then it takes its options from activityOptions.ts, never its own cap', () => {
    const proxies = workflowFiles.filter((file) => file.text.includes('proxyActivities<'));
    expect(proxies.length).toBeGreaterThanOrEqual(10);
    for (const file of proxies) {
      expect(file.text, file.name).not.toMatch(/maximumAttempts/);
      expect(file.text, file.name).toMatch(/from '\.\/activityOptions'/);
    }
  });
});
