/**
 * The route registry: each router registers its routes here, next to their handlers, and the
 * registry both mounts them (roles, JSON body check, zod validation, Idempotency-Key on POST) and
 * describes them in an OpenAPI 3.1 document. One spec therefore decides what is enforced and what
 * is documented; they cannot drift apart.
 *
 * JSON Schemas come from zod's own `z.toJSONSchema` (draft 2020-12, the dialect of OpenAPI 3.1):
 * requests are described as the input a client sends (`io: 'input'`: defaults make a field
 * optional), responses as the output the API writes (`io: 'output'`).
 */
import { StepCatalogue } from './steps';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { PUBLIC, requireRole, type Principal, type Role } from './auth';
import { methodNotAllowed, statusTitle } from './errors';
import { problemSchema } from './schemas';
import { requireJsonBody, validateRequest } from './validate';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type JsonSchema = { [keyword: string]: unknown };

export type ObjectSchema = z.ZodObject<z.ZodRawShape, z.core.$ZodObjectConfig>;

export interface HeaderSpec {
  description: string;
  required?: boolean;
  schema: z.ZodType;
}

export interface ResponseSpec {
  description: string;
  /** Omit for a response without a body. */
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
  headers?: Record<string, HeaderSpec>;
}

/** Error statuses a handler itself may answer with, beyond those the registry adds (see `errorStatuses`). */
export type ErrorStatus = 404 | 409 | 422 | 503;

export interface RouteSpec<P extends ObjectSchema, Q extends ObjectSchema, B extends z.ZodType> {
  method: HttpMethod;
  /** OpenAPI style: `/consortia/{code}`. */
  path: `/${string}`;
  operationId: string;
  summary: string;
  description?: string;
  tags: [string, ...string[]];
  /** Who may call it; `public` admits callers without a token. */
  roles: readonly Role[];
  /** `none` for routes mounted before authentication (health, the reference): a token is not even read. */
  authentication?: 'bearer' | 'none';
  request?: { params?: P; query?: Q; body?: B };
  /** Success responses (and any response whose body is not a problem, e.g. health's 503). */
  responses: Record<number, ResponseSpec>;
  errors?: ErrorStatus[];
  /**
   * The caller's scope, checked once the path is valid and before the body is read: a case outside it
   * is 404 whatever the body says, so its existence is not told apart by a 400 (issue 16).
   */
  admit?(params: z.output<P>, principal: Principal): Promise<void>;
}

export interface RouteInput<P extends ObjectSchema, Q extends ObjectSchema, B extends z.ZodType> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
  principal: Principal;
}

export type RouteHandler<P extends ObjectSchema, Q extends ObjectSchema, B extends z.ZodType> = (
  input: RouteInput<P, Q, B>,
  req: Request,
  res: Response,
  next: NextFunction,
) => unknown;

type AnyRouteSpec = RouteSpec<ObjectSchema, ObjectSchema, z.ZodType>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description?: string };
  jsonSchemaDialect: string;
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, OperationObject>>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, ResponseObject>;
    parameters: Record<string, ParameterObject>;
    headers: Record<string, HeaderObject>;
    securitySchemes: Record<string, JsonSchema>;
  };
}

export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}
export interface HeaderObject {
  description: string;
  required?: boolean;
  schema: JsonSchema;
}
export type Ref = { $ref: string };
export interface ResponseObject {
  description: string;
  headers?: Record<string, HeaderObject | Ref>;
  content?: Record<string, { schema: JsonSchema }>;
}
export interface OperationObject {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  'x-roles': string[];
  security: Record<string, string[]>[];
  parameters: (ParameterObject | Ref)[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, ResponseObject | Ref>;
}

/** The Idempotency-Key header (draft-ietf-httpapi-idempotency-key-header): 1–200 printable ASCII characters, no surrounding spaces. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7E](?:[\x20-\x7E]{0,198}[\x21-\x7E])?$/;

/** The statuses a problem+json response may carry, named as components. */
const PROBLEM_RESPONSES: Record<number, { name: string; description: string }> = {
  400: {
    name: 'BadRequest',
    description:
      'the request is malformed: field-level detail in `errors` ' +
      '(unknown or mistyped query parameters and fields, malformed JSON, a bad cursor or Idempotency-Key).',
  },
  401: {
    name: 'Unauthorized',
    description: 'no valid bearer token: the token is malformed, unknown or revoked, or the operation needs one.',
  },
  403: {
    name: 'Forbidden',
    description: 'the caller is authenticated but its role may not do this, or a rule of the process bars this person.',
  },
  404: { name: 'NotFound', description: "the resource is not on record, or it is outside the caller's scope." },
  409: {
    name: 'Conflict',
    description:
      'the request conflicts with the current state, or its Idempotency-Key was used for a different request or is still being processed.',
  },
  413: { name: 'ContentTooLarge', description: 'the body is larger than 256 kB.' },
  415: { name: 'UnsupportedMediaType', description: 'the body is not `application/json` (UTF-8).' },
  422: {
    name: 'UnprocessableContent',
    description: 'the request is well formed but breaks a business rule: field-level detail in `errors`.',
  },
  500: { name: 'InternalServerError', description: 'an unexpected failure; quote the request id when reporting it.' },
  503: { name: 'ServiceUnavailable', description: 'a service the API depends on is unavailable.' },
};

/** Converts a zod schema with zod's own JSON Schema generator, for embedding in the document. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'throw',
  }) as JsonSchema;
  return rest;
}

const toExpressPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');
const pathPattern = (path: string) =>
  new RegExp(
    `^${path
      .split(/(\{\w+\})/)
      .map((part) => (/^\{\w+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
      .join('')}/?$`,
    'i',
  );

const emptyQuery = z.strictObject({});

export interface RegistryOptions {
  /** Runs on every POST after validation (api/idempotency.ts). */
  idempotency?: RequestHandler;
}

export class RouteRegistry {
  private readonly routes: AnyRouteSpec[] = [];
  /** The kinds of case whose steps are registered here (api/steps.ts), for the pages to take them too. */
  readonly steps = new StepCatalogue();
  private cached: OpenApiDocument | undefined;

  constructor(
    private readonly info: {
      title: string;
      version: string;
      description?: string;
      tags: { name: string; description?: string }[];
    },
    private readonly options: RegistryOptions = {},
  ) {}

  /**
   * Mounts a route on the router and records it for the OpenAPI document. The handler gets the
   * validated params, query and body (parsed by their zod schemas) and the caller.
   */
  registerRoute<
    P extends ObjectSchema = typeof emptyQuery,
    Q extends ObjectSchema = typeof emptyQuery,
    B extends z.ZodType = z.ZodUndefined,
  >(router: Router, spec: RouteSpec<P, Q, B>, handler: RouteHandler<P, Q, B>): void {
    if (this.routes.some((r) => r.method === spec.method && r.path === spec.path))
      throw new Error(`${spec.method.toUpperCase()} ${spec.path} is registered twice`);
    if (this.routes.some((r) => r.operationId === spec.operationId))
      throw new Error(`operationId ${spec.operationId} is used twice`);
    this.routes.push(spec as unknown as AnyRouteSpec);
    this.cached = undefined;

    const chain: RequestHandler[] = [];
    if (!spec.roles.includes('public')) chain.push(requireRole(...spec.roles));
    if (spec.request?.body) chain.push(requireJsonBody);
    // Unknown query parameters are refused everywhere, also where the route takes none.
    const admit = spec.admit;
    chain.push(
      validateRequest(
        { params: spec.request?.params, query: spec.request?.query ?? emptyQuery, body: spec.request?.body },
        admit &&
          ((params, res) => admit(params as z.output<P>, (res.locals.principal as Principal | undefined) ?? PUBLIC)),
      ),
    );
    if (spec.method === 'post' && this.options.idempotency) chain.push(this.options.idempotency);
    chain.push(async (req, res, next) => {
      try {
        const input = {
          params: res.locals.params,
          query: res.locals.query,
          body: res.locals.body,
          principal: (res.locals.principal as Principal | undefined) ?? PUBLIC,
        } as RouteInput<P, Q, B>;
        await handler(input, req, res, next);
      } catch (error) {
        next(error);
      }
    });
    router[spec.method](toExpressPath(spec.path), ...chain);
  }

  /**
   * After the routers: a registered path asked with a method it does not have gets 405 with an
   * `Allow` header (RFC 9110 §15.5.6), and OPTIONS lists the methods.
   */
  methodNotAllowed(): RequestHandler {
    return (req, res, next) => {
      const methods = this.routes
        .filter((route) => pathPattern(route.path).test(req.path))
        .map((route) => route.method.toUpperCase());
      if (methods.length === 0) return next();
      const allow = [...new Set([...methods, ...(methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'])].join(', ');
      res.setHeader('Allow', allow);
      if (req.method === 'OPTIONS') return void res.status(204).end();
      next(methodNotAllowed(`${req.method} is not allowed on ${req.path}; allowed: ${allow}`));
    };
  }

  /** The registered routes, in registration order (for tests and the reference). */
  list(): readonly AnyRouteSpec[] {
    return this.routes;
  }

  document(): OpenApiDocument {
    this.cached ??= this.build();
    return this.cached;
  }

  private build(): OpenApiDocument {
    const paths: OpenApiDocument['paths'] = {};
    for (const route of this.routes) (paths[route.path] ??= {})[route.method] = this.operation(route);
    const usedProblems = new Set(
      Object.values(paths).flatMap((ops) => Object.values(ops).flatMap((op) => Object.keys(op.responses))),
    );
    return {
      openapi: '3.1.0',
      info: {
        title: this.info.title,
        version: this.info.version,
        ...(this.info.description ? { description: this.info.description } : {}),
      },
      jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
      tags: this.info.tags,
      paths,
      components: {
        schemas: { Problem: jsonSchemaOf(problemSchema, 'output') },
        responses: Object.fromEntries(
          Object.entries(PROBLEM_RESPONSES)
            .filter(([status]) => usedProblems.has(status))
            .map(([status, { name, description }]) => [
              name,
              {
                description: `${statusTitle(Number(status))}: ${description}`,
                headers: { 'x-request-id': { $ref: '#/components/headers/RequestId' } },
                content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
              },
            ]),
        ),
        parameters: {
          IdempotencyKey: {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description:
              'Makes a POST safe to retry. ' +
              'The first response (unless 5xx) is stored for this key and caller and replayed, with `Idempotent-Replayed: true`, ' +
              'for a repeat with the same method, path and body; ' +
              'a repeat with a different request, or while the first is still being processed, gets 409.',
            schema: { type: 'string', minLength: 1, maxLength: 200, pattern: IDEMPOTENCY_KEY.source },
          },
        },
        headers: {
          RequestId: {
            description:
              "The request id: the caller's `x-request-id` if it is well formed, otherwise a new UUID. Every log line about the request carries it.",
            required: true,
            schema: { type: 'string', minLength: 1, maxLength: 100 },
          },
          IdempotentReplayed: {
            description:
              'Present, with the value `true`, when the response is the stored response to an earlier request with the same Idempotency-Key.',
            required: false,
            schema: { type: 'string', enum: ['true'] },
          },
        },
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API token issued by `npm run users`; only its SHA-256 hash is stored. ' +
              'Without a token the caller is `public`, which may read the published registers only.',
          },
        },
      },
    };
  }

  private operation(route: AnyRouteSpec): OperationObject {
    const { params, query, body } = route.request ?? {};
    const parameters: (ParameterObject | Ref)[] = [
      ...(params ? parametersOf(params, 'path') : []),
      ...(query ? parametersOf(query, 'query') : []),
    ];
    if (route.method === 'post') parameters.push({ $ref: '#/components/parameters/IdempotencyKey' });

    const responses: OperationObject['responses'] = {};
    for (const [status, response] of Object.entries(route.responses)) {
      const headers: Record<string, HeaderObject | Ref> = {
        'x-request-id': { $ref: '#/components/headers/RequestId' },
      };
      for (const [name, header] of Object.entries(response.headers ?? {})) {
        headers[name] = {
          description: header.description,
          required: header.required ?? true,
          schema: jsonSchemaOf(header.schema, 'output'),
        };
      }
      if (route.method === 'post' && Number(status) < 300)
        headers['Idempotent-Replayed'] = { $ref: '#/components/headers/IdempotentReplayed' };
      responses[status] = {
        description: response.description,
        headers,
        ...(response.schema
          ? {
              content: {
                [response.contentType ?? 'application/json']: { schema: jsonSchemaOf(response.schema, 'output') },
              },
            }
          : {}),
      };
    }
    for (const status of errorStatuses(route)) {
      if (responses[status]) continue;
      responses[status] = { $ref: `#/components/responses/${PROBLEM_RESPONSES[status]?.name}` };
    }

    const anonymous = route.roles.includes('public');
    return {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: route.tags,
      'x-roles': [...route.roles],
      // `{}` admits a caller without a token (the public); a token that is sent must still be valid.
      security: route.authentication === 'none' ? [] : anonymous ? [{}, { bearerAuth: [] }] : [{ bearerAuth: [] }],
      parameters,
      ...(body
        ? {
            requestBody: {
              // A route whose body may be empty treats a missing body as `{}`.
              required: !body.safeParse({}).success,
              content: { 'application/json': { schema: jsonSchemaOf(body, 'input') } },
            },
          }
        : {}),
      responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b))),
    };
  }
}

/**
 * Which problem responses an operation can give: 400 always (unknown query parameters are refused),
 * 401 wherever a token is read, 403 where roles are restricted, 404 where the path names a resource,
 * 409 on every POST (Idempotency-Key), 413 and 415 where there is a body, 500 always; plus what the
 * handler declares.
 */
export function errorStatuses(
  route: Pick<AnyRouteSpec, 'method' | 'path' | 'roles' | 'authentication' | 'request' | 'errors'>,
): number[] {
  const statuses = new Set<number>([400, 500, ...(route.errors ?? [])]);
  if (route.authentication !== 'none') statuses.add(401);
  if (!route.roles.includes('public')) statuses.add(403);
  if (/\{\w+\}/.test(route.path)) statuses.add(404);
  if (route.method === 'post') statuses.add(409);
  if (route.request?.body) {
    statuses.add(413);
    statuses.add(415);
  }
  return [...statuses].sort((a, b) => a - b);
}

function parametersOf(schema: ObjectSchema, location: 'path' | 'query'): ParameterObject[] {
  const json = jsonSchemaOf(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: location === 'path' || (json.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}
