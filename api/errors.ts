/**
 * One error type carries an HTTP status (practicajs style); the mapper turns every error into
 * RFC 9457 problem+json, and never leaks internals of an unexpected failure.
 */
import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../platform/log';
import type { ProblemBody } from './schemas';

export interface FieldProblem {
  field: string;
  reason: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly extra: { errors?: FieldProblem[]; type?: string } = {},
  ) {
    super(detail);
  }
}

export const badRequest = (detail: string, errors?: FieldProblem[]) =>
  new AppError(400, 'Bad Request', detail, { errors });
export const unprocessable = (detail: string, errors?: FieldProblem[]) =>
  new AppError(422, 'Unprocessable Content', detail, { errors });
export const unauthorized = (detail = 'a valid bearer token is required') => new AppError(401, 'Unauthorized', detail);
export const forbidden = (detail: string) => new AppError(403, 'Forbidden', detail);
export const notFound = (detail: string) => new AppError(404, 'Not Found', detail);
export const conflict = (detail: string, errors?: FieldProblem[]) => new AppError(409, 'Conflict', detail, { errors });
export const unsupportedMediaType = (detail: string, errors?: FieldProblem[]) =>
  new AppError(415, 'Unsupported Media Type', detail, { errors });
export const methodNotAllowed = (detail: string) => new AppError(405, 'Method Not Allowed', detail);

/** A status's title: RFC 9110's name where Node still has an older one (413, 422). */
const RFC9110_TITLES: Record<number, string> = { 413: 'Content Too Large', 422: 'Unprocessable Content' };
export const statusTitle = (status: number) => RFC9110_TITLES[status] ?? STATUS_CODES[status] ?? 'Error';

export function problemHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const requestId = res.locals.requestId as string;
    let problem: AppError;
    if (error instanceof AppError) problem = error;
    else if (isBodyParserError(error)) problem = fromBodyParser(error);
    else if (isClientHttpError(error)) {
      // e.g. the router's 400 for a path parameter that is not valid percent-encoding
      const status = httpStatusOf(error);
      problem = new AppError(status, statusTitle(status), error.message, {
        errors: [{ field: 'request', reason: error.message }],
      });
    } else {
      log.error('unexpected error', { requestId, method: req.method, path: req.path, error });
      problem = new AppError(
        500,
        'Internal Server Error',
        'an unexpected error occurred; quote the request id when reporting it',
      );
    }
    if (res.headersSent) {
      // The response is already on its way; all that is left is to end it.
      log.error('error after the response started', { requestId, method: req.method, path: req.path, error });
      res.end();
      return;
    }
    const body: ProblemBody = {
      type: problem.extra.type ?? 'about:blank',
      title: problem.title,
      status: problem.status,
      detail: problem.message,
      instance: req.originalUrl,
      requestId,
      ...(problem.extra.errors ? { errors: problem.extra.errors } : {}),
    };
    res.status(problem.status).type('application/problem+json').json(body);
  };
}

/** What `express.json()` (body-parser) throws, as problems with field-level detail. */
function fromBodyParser(
  error: Error & { type: string; limit?: number; status: number; charset?: string; encoding?: string; body?: unknown },
): AppError {
  switch (error.type) {
    case 'entity.too.large':
      return new AppError(413, statusTitle(413), `the body is larger than the limit of ${error.limit} bytes`, {
        errors: [{ field: 'body', reason: `must be at most ${error.limit} bytes` }],
      });
    case 'entity.parse.failed': {
      // Strict parsing refuses JSON that is not an object or array, such as `null`: that is valid JSON
      // of the wrong type, answered as the schema would answer it.
      const received = receivedJsonType(error.body);
      if (received)
        return badRequest('the request body is invalid', [
          { field: 'body', reason: `Invalid input: expected object, received ${received}` },
        ]);
      return badRequest('the body is not valid JSON', [{ field: 'body', reason: error.message }]);
    }
    case 'charset.unsupported':
      return unsupportedMediaType(`the charset ${error.charset ?? ''} is not supported; send UTF-8 JSON`, [
        { field: 'Content-Type', reason: 'the charset must be utf-8' },
      ]);
    case 'encoding.unsupported':
      return unsupportedMediaType(`the content encoding ${error.encoding ?? ''} is not supported`, [
        { field: 'Content-Encoding', reason: 'must be identity, gzip, deflate or br' },
      ]);
    default: {
      const status = error.status >= 400 && error.status < 500 ? error.status : 400;
      return new AppError(status, statusTitle(status), error.message, {
        errors: [{ field: 'body', reason: error.message }],
      });
    }
  }
}

/** The type of a body that is valid JSON but not an object or array (`null`, a string, …); undefined otherwise. */
function receivedJsonType(body: unknown): string | undefined {
  if (typeof body !== 'string') return undefined;
  try {
    const value: unknown = JSON.parse(body);
    if (value === null) return 'null';
    return typeof value === 'object' ? undefined : typeof value;
  } catch {
    return undefined;
  }
}

function isBodyParserError(error: unknown): error is Error & { type: string; limit?: number; status: number } {
  return (
    error instanceof Error &&
    'type' in error &&
    typeof error.type === 'string' &&
    'status' in error &&
    typeof error.status === 'number'
  );
}

function httpStatusOf(error: object): number {
  const status = 'status' in error ? error.status : 'statusCode' in error ? error.statusCode : undefined;
  return typeof status === 'number' ? status : 500;
}

/** An http-errors style client error (4xx) from Express or its router; anything else is unexpected. */
function isClientHttpError(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const status = httpStatusOf(error);
  return status >= 400 && status < 500;
}
