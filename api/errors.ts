/**
 * One error type carries an HTTP status (practicajs style); the mapper turns every error into
 * RFC 9457 problem+json, and never leaks internals of an unexpected failure.
 */
import type { ErrorRequestHandler } from 'express';
import type { Logger } from '../platform/log';

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

export const badRequest = (detail: string, errors?: FieldProblem[]) => new AppError(400, 'Bad Request', detail, { errors });
export const unprocessable = (detail: string, errors?: FieldProblem[]) => new AppError(422, 'Unprocessable Content', detail, { errors });
export const unauthorized = (detail = 'a valid bearer token is required') => new AppError(401, 'Unauthorized', detail);
export const forbidden = (detail: string) => new AppError(403, 'Forbidden', detail);
export const notFound = (detail: string) => new AppError(404, 'Not Found', detail);
export const conflict = (detail: string) => new AppError(409, 'Conflict', detail);

export function problemHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const requestId = res.locals.requestId as string | undefined;
    let problem: AppError;
    if (error instanceof AppError) problem = error;
    else if (isBodyParserError(error)) {
      problem =
        error.type === 'entity.too.large'
          ? new AppError(413, 'Content Too Large', `the body is larger than the limit of ${error.limit} bytes`)
          : error.type === 'entity.parse.failed'
            ? badRequest('the body is not valid JSON', [{ field: 'body', reason: error.message }])
            : badRequest(error.message);
    } else {
      log.error('unexpected error', { requestId, method: req.method, path: req.path, error });
      problem = new AppError(500, 'Internal Server Error', 'an unexpected error occurred; quote the request id when reporting it');
    }
    res
      .status(problem.status)
      .type('application/problem+json')
      .json({
        type: problem.extra.type ?? 'about:blank',
        title: problem.title,
        status: problem.status,
        detail: problem.message,
        instance: req.originalUrl,
        requestId,
        ...(problem.extra.errors ? { errors: problem.extra.errors } : {}),
      });
  };
}

function isBodyParserError(error: unknown): error is Error & { type: string; limit?: number; status: number } {
  return typeof error === 'object' && error !== null && 'type' in error && typeof (error as { type: unknown }).type === 'string' && 'status' in error;
}
