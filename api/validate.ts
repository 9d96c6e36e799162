import type { RequestHandler } from 'express';
import type { z } from 'zod';
import { badRequest } from './errors';

/** Field-level problems from a zod error, named by their path in the request. */
export function fieldProblems(error: z.ZodError, prefix: string) {
  return error.issues.map((issue) => ({ field: [prefix, ...issue.path.map(String)].join('.'), reason: issue.message }));
}

/** One middleware validates body, params and query against zod schemas, and replaces them with the parsed values. */
export function validateRequest(schemas: { body?: z.ZodType; params?: z.ZodType; query?: z.ZodType }): RequestHandler {
  return (req, res, next) => {
    for (const part of ['params', 'query', 'body'] as const) {
      const schema = schemas[part];
      if (!schema) continue;
      const parsed = schema.safeParse(req[part] ?? {});
      if (!parsed.success) return next(badRequest(`the request ${part} is invalid`, fieldProblems(parsed.error, part)));
      res.locals[part] = parsed.data;
    }
    next();
  };
}
