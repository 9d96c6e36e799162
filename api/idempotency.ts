/**
 * `Idempotency-Key` on POST (draft-ietf-httpapi-idempotency-key-header), so that a client may retry a
 * write after a timeout without doing it twice.
 *
 * - The first request with a key claims it: a row with `status` null. The unique (principalId, key)
 *   constraint decides between concurrent duplicates, so exactly one of them runs the handler.
 * - Its response (status, body, Location) is stored before it is sent, so a retry that follows the
 *   response always finds it. A 5xx is not stored: the row is deleted and the key may be retried.
 * - A repeat with the same method, path and body gets the stored response again, with
 *   `Idempotent-Replayed: true`. A repeat with a different request, or while the first is still
 *   running, gets 409.
 * - Keys are scoped to the caller (principal id): two callers cannot see each other's responses.
 *
 * A claim left by a process that died mid-request is taken over after `staleAfterMs`.
 */
import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Prisma } from '../generated/prisma/client';
import type { Db } from '../platform/db';
import type { Logger } from '../platform/log';
import type { Principal } from './auth';
import { badRequest, conflict } from './errors';
import { IDEMPOTENCY_KEY } from './openapi';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

export interface IdempotencyOptions {
  log: Logger;
  /** How long a claim may stay unfinished before it is presumed abandoned. */
  staleAfterMs?: number;
  now?: () => Date;
}

interface StoredRecord {
  id: string;
  method: string;
  path: string;
  requestHash: string;
  status: number | null;
  responseBody: unknown;
  location: string | null;
  createdAt: Date;
}

/** JSON with object keys sorted, so that `{"a":1,"b":2}` and `{"b":2,"a":1}` are the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const requestHashOf = (method: string, path: string, body: unknown) =>
  createHash('sha256')
    .update(`${method} ${path}\n${canonicalJson(body ?? null)}`)
    .digest('hex');

const isUniqueViolation = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';

const keyProblem = (reason: string) => [{ field: IDEMPOTENCY_HEADER, reason }];

export function idempotency(
  db: Pick<Db, 'idempotencyRecord'>,
  { log, staleAfterMs = 5 * 60_000, now = () => new Date() }: IdempotencyOptions,
): RequestHandler {
  // Read on use, not here: building the app must not touch the database.
  const records = {
    create: (...args: Parameters<Db['idempotencyRecord']['create']>) => db.idempotencyRecord.create(...args),
    findUnique: (...args: Parameters<Db['idempotencyRecord']['findUnique']>) =>
      db.idempotencyRecord.findUnique(...args),
    update: (...args: Parameters<Db['idempotencyRecord']['update']>) => db.idempotencyRecord.update(...args),
    deleteMany: (...args: Parameters<Db['idempotencyRecord']['deleteMany']>) =>
      db.idempotencyRecord.deleteMany(...args),
  };

  /** Inserts the claim; on a duplicate returns the row that holds the key instead. */
  async function claim(data: {
    principalId: string;
    key: string;
    method: string;
    path: string;
    requestHash: string;
  }): Promise<{ claimed: true; id: string } | { claimed: false; existing: StoredRecord | null }> {
    try {
      const row = await records.create({ data: { ...data, status: null }, select: { id: true } });
      return { claimed: true, id: row.id };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const existing = await records.findUnique({
        where: { principalId_key: { principalId: data.principalId, key: data.key } },
      });
      return { claimed: false, existing };
    }
  }

  return async (req, res, next) => {
    const key = req.header(IDEMPOTENCY_HEADER);
    if (key === undefined) return next();
    if (!IDEMPOTENCY_KEY.test(key)) {
      return next(
        badRequest(
          `the ${IDEMPOTENCY_HEADER} header is invalid`,
          keyProblem('must be 1–200 printable ASCII characters'),
        ),
      );
    }
    try {
      const principalId = (res.locals.principal as Principal).id;
      const method = req.method;
      const path = req.baseUrl + req.path;
      const requestHash = requestHashOf(method, path, req.body);

      let outcome = await claim({ principalId, key, method, path, requestHash });
      if (
        !outcome.claimed &&
        outcome.existing?.status === null &&
        now().getTime() - outcome.existing.createdAt.getTime() > staleAfterMs
      ) {
        // The first request never finished (its process died): take the key over. Only one taker can
        // delete the stale claim and insert its own; the others see that one in progress.
        log.warn('taking over an abandoned Idempotency-Key', { requestId: res.locals.requestId, principalId, key });
        await records.deleteMany({ where: { id: outcome.existing.id, status: null } });
        outcome = await claim({ principalId, key, method, path, requestHash });
      }
      if (!outcome.claimed) {
        const existing = outcome.existing;
        if (!existing)
          throw conflict(
            `a request with this ${IDEMPOTENCY_HEADER} has just been dropped; retry`,
            keyProblem('retry the request'),
          );
        if (existing.method !== method || existing.path !== path || existing.requestHash !== requestHash) {
          throw conflict(
            `this ${IDEMPOTENCY_HEADER} was already used for a different request (${existing.method} ${existing.path}); use a new key for a new request`,
            keyProblem('already used with a different request body or target'),
          );
        }
        if (existing.status === null) {
          res.setHeader('Retry-After', '1');
          throw conflict(
            `a request with this ${IDEMPOTENCY_HEADER} is still being processed; retry shortly`,
            keyProblem('the first request with this key has not finished'),
          );
        }
        return replay(res, existing);
      }
      captureResponse(res, outcome.id);
      next();
    } catch (error) {
      next(error);
    }
  };

  /** Stores the response before it goes out (or frees the key on a 5xx), then lets it go. */
  function captureResponse(res: Response, id: string) {
    let settled = false;
    const settle = async (status: number, body: unknown) => {
      try {
        if (status >= 500) await records.deleteMany({ where: { id } });
        else {
          const location = res.getHeader('location');
          await records.update({
            where: { id },
            data: {
              status,
              // Stored as it went out on the wire (dates as strings), so a replay is byte-for-byte the same JSON.
              ...(body === undefined || body === null
                ? {}
                : { responseBody: JSON.parse(JSON.stringify(body)) as Prisma.InputJsonValue }),
              location: typeof location === 'string' ? location : null,
            },
          });
        }
      } catch (error) {
        log.error('could not record the idempotent response', { requestId: res.locals.requestId, error });
        await records.deleteMany({ where: { id } }).catch(() => undefined);
      }
    };
    const send = res.json.bind(res);
    res.json = (body: unknown) => {
      if (settled) return send(body);
      settled = true;
      void settle(res.statusCode, body).finally(() => {
        try {
          send(body);
        } catch (error) {
          log.error('could not send the response', { requestId: res.locals.requestId, error });
        }
      });
      return res;
    };
    // A response sent without res.json (e.g. `res.status(204).end()`) is recorded once it is sent.
    res.once('finish', () => {
      if (settled) return;
      settled = true;
      void settle(res.statusCode, undefined);
    });
  }
}

function replay(res: Response, record: StoredRecord) {
  const status = record.status ?? 500;
  res.status(status).setHeader(REPLAYED_HEADER, 'true');
  if (record.location) res.location(record.location);
  if (record.responseBody === null || record.responseBody === undefined) return void res.end();
  res.type(status >= 400 ? 'application/problem+json' : 'application/json').json(record.responseBody);
}
