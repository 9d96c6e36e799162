import type { RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { badRequest, unsupportedMediaType, type FieldProblem } from './errors';

/**
 * Field-level problems from a zod error, named by their path in the request. An unknown field is
 * reported under its own name (`query.colour: unknown field`), not as one issue on the parent.
 */
export function fieldProblems(error: z.ZodError, prefix: string): FieldProblem[] {
  return error.issues.flatMap((issue) => {
    const at = [prefix, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => ({ field: [...at, key].join('.'), reason: 'unknown field' }));
    return [{ field: at.join('.'), reason: issue.message }];
  });
}

export interface RequestSchemas {
  body?: z.ZodType;
  params?: z.ZodType;
  query?: z.ZodType;
}

/**
 * One middleware validates body, params and query against zod schemas, and replaces them with the
 * parsed values. With `admit`, a request whose path is valid is first admitted (it throws, e.g. 404
 * for a case outside the caller's scope), so what the body says is not answered to a caller who may
 * not reach the case.
 */
export function validateRequest(
  schemas: RequestSchemas,
  admit?: (params: unknown, res: Response) => Promise<void>,
): RequestHandler {
  return (req, res, next) => {
    const problems: FieldProblem[] = [];
    const invalid: string[] = [];
    for (const part of ['params', 'query', 'body'] as const) {
      const schema = schemas[part];
      if (!schema) continue;
      const parsed = schema.safeParse(req[part] ?? {});
      if (parsed.success) res.locals[part] = parsed.data;
      else {
        invalid.push(part);
        problems.push(...fieldProblems(parsed.error, part));
      }
    }
    // Every problem at once, so a client can fix the request in one go.
    const report = () =>
      problems.length > 0
        ? next(
            badRequest(`the request ${invalid.join(' and ')} ${invalid.length > 1 ? 'are' : 'is'} invalid`, problems),
          )
        : next();
    if (admit && !invalid.includes('params')) admit(res.locals.params, res).then(report, next);
    else report();
  };
}

/**
 * A request that carries a body must say it is JSON: otherwise `express.json()` leaves it unread and
 * it would be validated as if it were empty.
 */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  const length = Number(req.header('content-length') ?? 0);
  const hasBody = req.header('transfer-encoding') !== undefined || length > 0;
  if (hasBody && !req.is('application/json')) {
    return next(
      unsupportedMediaType('the body must be JSON', [
        { field: 'Content-Type', reason: `must be application/json, not ${req.header('content-type') ?? 'absent'}` },
      ]),
    );
  }
  next();
};
