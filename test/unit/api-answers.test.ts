/**
 * Consistent answers (issue 12, item 5): every 422 names its field, a `null` body is "expected an
 * object" rather than "not valid JSON", and text limits count characters (code points), not UTF-16
 * units.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../../api/errors';
import { characterCount, multiLine, nonBlankLine, singleLine } from '../../api/schemas';
import { mapTemporalError } from '../../api/temporal';
import { jsonSchemaOf } from '../../api/openapi';
import { bearer, testApp, USERS } from './api-fakes';

const refusal = (failure: ApplicationFailure) =>
  mapTemporalError(new WorkflowUpdateFailedError('update failed', failure), 'the case') as AppError;

describe('a workflow refusing input is a 422 that names the field', () => {
  it('When the refusal names a field in its details, then errors[] carries that field and the reason', () => {
    const error = refusal(
      ApplicationFailure.create({
        type: 'InvalidInput',
        message: 'effectiveFrom is before the request',
        details: [{ field: 'body.effectiveFrom' }],
        nonRetryable: true,
      }),
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error.status).toBe(422);
    expect(error.extra.errors).toEqual([
      { field: 'body.effectiveFrom', reason: 'effectiveFrom is before the request' },
    ]);
  });

  it('When the refusal names no field, then errors[] names the body', () => {
    const error = refusal(ApplicationFailure.nonRetryable('a decision must give its reasons (§5.19)', 'InvalidInput'));
    expect(error.status).toBe(422);
    expect(error.extra.errors).toEqual([{ field: 'body', reason: 'a decision must give its reasons (§5.19)' }]);
  });

  it('When the refusal is a forbidden step or a wrong stage, then 403 or 409 as before', () => {
    expect(refusal(ApplicationFailure.nonRetryable('no', 'Forbidden')).status).toBe(403);
    expect(refusal(ApplicationFailure.nonRetryable('not now', 'InvalidTransition')).status).toBe(409);
  });
});

describe('a body that is JSON but not an object', () => {
  const app = testApp();
  const post = (body: string) =>
    request(app)
      .post('/consortia')
      .set('authorization', bearer(USERS.officer))
      .set('content-type', 'application/json')
      .send(body);

  it('When the body is null, then 400 says an object was expected, not that the JSON is invalid', async () => {
    const res = await post('null');
    expect(res.status).toBe(400);
    expect(res.body.detail).not.toMatch(/not valid JSON/);
    expect(res.body.errors).toEqual([{ field: 'body', reason: 'Invalid input: expected object, received null' }]);
  });

  it('When the body is a string or a number, then 400 names what was received', async () => {
    expect((await post('"move"')).body.errors).toEqual([
      { field: 'body', reason: 'Invalid input: expected object, received string' },
    ]);
    expect((await post('42')).body.errors).toEqual([
      { field: 'body', reason: 'Invalid input: expected object, received number' },
    ]);
  });

  it('When the body is malformed JSON, then it is still "not valid JSON"', async () => {
    const res = await post('{"code": "00C",');
    expect(res.status).toBe(400);
    expect(res.body.detail).toBe('the body is not valid JSON');
  });
});

describe('text limits count characters', () => {
  const emoji = '😀'; // one character, two UTF-16 units

  it('When a text holds 200 emoji and the limit is 200, then it is accepted; 201 are refused', () => {
    for (const schema of [singleLine(200), nonBlankLine(200), multiLine(200)]) {
      expect(schema.safeParse(emoji.repeat(200)).success).toBe(true);
      expect(schema.safeParse(emoji.repeat(201)).success).toBe(false);
    }
  });

  it('When plain text is one over the limit, then it is refused with the same reason as before', () => {
    const parsed = singleLine(5).safeParse('abcdef');
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe('Too big: expected string to have <=5 characters');
    expect(nonBlankLine(5).safeParse('abcde').success).toBe(true);
  });

  it('When the schema is documented, then maxLength is the limit in characters', () => {
    const schema = jsonSchemaOf(z.object({ note: nonBlankLine(2000).describe('A note.') }), 'input') as {
      properties: { note: { maxLength?: number; description?: string } };
    };
    expect(schema.properties.note.maxLength).toBe(2000);
    expect(schema.properties.note.description).toBe('A note.');
  });

  it('When characters are counted, then a surrogate pair is one and a combining mark is its own', () => {
    expect(characterCount(emoji.repeat(3))).toBe(3);
    expect(characterCount('e\u0301')).toBe(2);
    expect(characterCount('')).toBe(0);
  });
});
