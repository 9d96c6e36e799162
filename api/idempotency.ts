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
 * - The claim is a lease: while the handler runs, its request renews `heartbeatAt` every third of
 *   `leaseMs`. A claim not renewed for `leaseMs` was left by a process that died mid-request, and a
 *   retry with the key takes it over and runs the handler again (issue 16, item 4).
 * - The handler runs inside the request's scope (`idempotentRequest()`): a fingerprint of caller, key
 *   and request. A case started under it records it (api/temporal.ts `startCase`), so a handler re-run
 *   after a takeover recognises the start its dead predecessor made and answers as that one would have.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';
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
  /** How long a claim may go unrenewed before it is presumed abandoned (config IDEMPOTENCY_TAKEOVER_SECONDS). */
  leaseMs?: number;
  now?: () => Date;
}

/** The default lease of a claim: a retry after its process died waits this long at most. */
export const IDEMPOTENCY_LEASE_MS = 15_000;

/** The request an Idempotency-Key names, while its handler runs. */
export interface IdempotentRequest {
  /** SHA-256 of caller, key and request: the same for the first attempt and every retry of it. */
  fingerprint: string;
}

const requestScope = new AsyncLocalStorage<IdempotentRequest>();

/** The Idempotency-Key request whose handler is running here, if any. */
export const idempotentRequest = (): IdempotentRequest | undefined => requestScope.getStore();

export const fingerprintOf = (principalId: string, key: string, requestHash: string) =>
  createHash('sha256').update(`${principalId}\n${key}\n${requestHash}`).digest('hex');

/**
 * A new id (UUID form) for what this request creates: random, except under an Idempotency-Key, where it
 * is derived from the request's fingerprint, so that a retry re-run after a takeover names the same case.
 */
export function idForThisRequest(): string {
  const request = idempotentRequest();
  if (!request) return randomUUID();
  const hex = request.fingerprint;
  // RFC 9562 layout, version 8 (custom) and the RFC variant, from the first 128 bits of the fingerprint.
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `8${hex.slice(13, 16)}`,
    ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16) + hex.slice(17, 20),
    hex.slice(20, 32),
  ].join('-');
}

interface StoredRecord {
  id: string;
  method: string;
  path: string;
  requestHash: string;
  status: number | null;
  responseBody: unknown;
  location: string | null;
  heartbeatAt: Date;
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
  { log, leaseMs = IDEMPOTENCY_LEASE_MS, now = () => new Date() }: IdempotencyOptions,
): RequestHandler {
  // Read on use, not here: building the app must not touch the database.
  const records = {
    create: (...args: Parameters<Db['idempotencyRecord']['create']>) => db.idempotencyRecord.create(...args),
    findUnique: (...args: Parameters<Db['idempotencyRecord']['findUnique']>) =>
      db.idempotencyRecord.findUnique(...args),
    update: (...args: Parameters<Db['idempotencyRecord']['update']>) => db.idempotencyRecord.update(...args),
    updateMany: (...args: Parameters<Db['idempotencyRecord']['updateMany']>) =>
      db.idempotencyRecord.updateMany(...args),
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
      const row = await records.create({
        data: { ...data, status: null, heartbeatAt: now() },
        select: { id: true },
      });
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
      const lapsedBefore = new Date(now().getTime() - leaseMs);
      if (!outcome.claimed && outcome.existing?.status === null && outcome.existing.heartbeatAt < lapsedBefore) {
        // The first request's lease lapsed (its process died): take the key over. Only one taker can
        // delete the lapsed claim and insert its own; the others see that one in progress.
        log.warn('taking over an abandoned Idempotency-Key', { requestId: res.locals.requestId, principalId, key });
        await records.deleteMany({
          where: { id: outcome.existing.id, status: null, heartbeatAt: { lt: lapsedBefore } },
        });
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
      requestScope.run({ fingerprint: fingerprintOf(principalId, key, requestHash) }, next);
    } catch (error) {
      next(error);
    }
  };

  /** Stores the response before it goes out (or frees the key on a 5xx), then lets it go. */
  function captureResponse(res: Response, id: string) {
    let settled = false;
    // The lease: renewed while the handler runs, so that only a dead process's claim lapses.
    const renewal = setInterval(
      () => {
        records
          .updateMany({ where: { id, status: null }, data: { heartbeatAt: now() } })
          .catch((error: unknown) =>
            log.warn('could not renew an Idempotency-Key claim', { requestId: res.locals.requestId, error }),
          );
      },
      Math.max(1, Math.floor(leaseMs / 3)),
    );
    renewal.unref();
    const settle = async (status: number, body: unknown) => {
      clearInterval(renewal);
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
