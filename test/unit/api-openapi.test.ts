/**
 * The OpenAPI document is generated from the same route specs that mount the routes, so it lists
 * exactly what the app serves; and what the app answers conforms to the documented schemas.
 */
import { SEED_POLICY_DOCUMENT, SEED_POLICY_VERSION } from '../../domain/policySeed';
import type { Express } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openApiDocument } from '../../api/app';
import { errorStatuses, type JsonSchema, type OpenApiDocument } from '../../api/openapi';
import {
  consortiumDetailSchema,
  consortiumSummarySchema,
  shadowFormationAcceptedSchema,
} from '../../api/routes/consortia';
import { shadowFormationStateSchema } from '../../workflows/contracts/shadowFormation';
import { healthSchema } from '../../api/routes/health';
import { pageSchema } from '../../api/schemas';
import { bearer, testApp, USERS } from './api-fakes';

const doc = openApiDocument();
const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
);

/** Every `[METHOD, path]` the Express app routes, read from its router stack. */
function mountedRoutes(app: Express): string[] {
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route)
        for (const method of Object.keys(layer.route.methods))
          found.push(`${method.toUpperCase()} ${layer.route.path}`);
      else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return found.sort();
}

/** Every object schema in a JSON Schema, with where it is. */
function objectSchemas(schema: unknown, at: string, out: { at: string; schema: JsonSchema }[] = []) {
  if (Array.isArray(schema)) schema.forEach((item, i) => objectSchemas(item, `${at}[${i}]`, out));
  else if (schema && typeof schema === 'object') {
    const s = schema as JsonSchema;
    if (s.type === 'object') out.push({ at, schema: s });
    for (const [key, value] of Object.entries(s)) objectSchemas(value, `${at}.${key}`, out);
  }
  return out;
}

function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, out));
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe('the OpenAPI document', () => {
  it('When generated, then it is OpenAPI 3.1 with the bearer scheme and the Problem schema', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.Problem).toMatchObject({
      type: 'object',
      required: ['type', 'title', 'status', 'detail', 'instance', 'requestId'],
      additionalProperties: false,
    });
  });

  it('When compared with the app, then it documents exactly the routes the app serves', () => {
    const documented = operations
      .map(({ method, path }) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`)
      .sort();
    expect(mountedRoutes(testApp())).toEqual(documented);
    expect(documented).toEqual(
      expect.arrayContaining([
        'GET /health',
        'GET /consortia',
        'POST /consortia',
        'GET /consortia/:code',
        'POST /consortia/:code/recognition',
        'GET /openapi.json',
        'GET /docs',
      ]),
    );
  });

  it('When a route is a POST, then it takes Idempotency-Key and documents 409 and the replay header', () => {
    for (const { method, operation } of operations.filter((o) => o.method === 'post')) {
      expect(operation.parameters, `${method} ${operation.operationId}`).toContainEqual({
        $ref: '#/components/parameters/IdempotencyKey',
      });
      expect(operation.responses['409']).toEqual({ $ref: '#/components/responses/Conflict' });
      const success = Object.entries(operation.responses).find(([status]) => status.startsWith('2'))?.[1] as {
        headers: Record<string, unknown>;
      };
      expect(success.headers['Idempotent-Replayed']).toEqual({ $ref: '#/components/headers/IdempotentReplayed' });
    }
  });

  it('When an operation is listed, then its errors are problem+json and its security matches its roles', () => {
    for (const { path, method, operation } of operations) {
      for (const status of ['400', '500'])
        expect(operation.responses[status], `${method} ${path} ${status}`).toBeDefined();
      const anonymous = operation['x-roles'].includes('public');
      if (operation.security.length > 0)
        expect(operation.security).toEqual(anonymous ? [{}, { bearerAuth: [] }] : [{ bearerAuth: [] }]);
      if (!anonymous) expect(operation.responses['403']).toBeDefined();
    }
    expect(doc.components.responses.BadRequest?.content?.['application/problem+json']?.schema).toEqual({
      $ref: '#/components/schemas/Problem',
    });
  });

  it('When it references something, then the reference resolves, and no zod $schema key is left inside', () => {
    for (const ref of refs(doc)) {
      const [, , section, name] = ref.split('/');
      expect(
        (doc.components as unknown as Record<string, Record<string, unknown>>)[section ?? '']?.[name ?? ''],
        ref,
      ).toBeDefined();
    }
    expect(JSON.stringify(doc)).not.toContain('"$schema"');
  });

  it('When a schema describes a request body or a response, then its objects refuse unknown fields, as the API does', () => {
    const bodies = operations.flatMap(({ path, method, operation }) => [
      ...Object.values(operation.requestBody?.content ?? {}).map((c) => ({
        at: `${method} ${path} request`,
        schema: c.schema,
      })),
      ...Object.entries(operation.responses).flatMap(([status, r]) =>
        'content' in r && path !== '/openapi.json'
          ? Object.values(r.content ?? {}).map((c) => ({ at: `${method} ${path} ${status}`, schema: c.schema }))
          : [],
      ),
    ]);
    for (const body of bodies)
      for (const object of objectSchemas(body.schema, body.at)) {
        // A record (a map keyed by, e.g., criterion id) has no fixed properties: its values are typed instead.
        const isRecord =
          object.schema.properties === undefined && typeof object.schema.additionalProperties === 'object';
        if (!isRecord) expect(object.schema.additionalProperties, object.at).toBe(false);
      }
  });

  it('When a route has path parameters or a body, then 404, 413 and 415 are documented', () => {
    expect(
      errorStatuses({
        method: 'post',
        path: '/consortia/{code}/recognition',
        roles: ['admin'],
        request: { body: z.object({}) },
      }),
    ).toEqual([400, 401, 403, 404, 409, 413, 415, 500]);
    expect(errorStatuses({ method: 'get', path: '/health', roles: ['public'], authentication: 'none' })).toEqual([
      400, 500,
    ]);
  });

  it('When served at /openapi.json, then it is the same document, and a bad token does not stop it', async () => {
    const res = await request(testApp()).get('/openapi.json').set('authorization', 'Bearer nonsense');
    expect(res.status).toBe(200);
    expect(res.body as OpenApiDocument).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});

describe('responses conform to the documented schemas', () => {
  const row = (code: string, name: string) => ({
    code,
    name,
    status: 'shadow',
    areaTeam: 'Q99',
    region: null,
    createdAt: new Date('2013-04-01T00:00:00Z'),
    updatedAt: new Date('2013-04-02T10:00:00Z'),
  });
  const formation = {
    code: '00C',
    stage: 'awaiting_recognition',
    policyVersion: '2012.1',
    recognitionDueAt: '2013-05-01T00:00:00.000Z',
    recognisedBy: null,
    startedAt: '2013-04-01T00:00:00.000Z',
    settledAt: null,
  };

  it('When the list and a consortium are read, then the bodies match their strict schemas', async () => {
    const app = testApp({
      db: {
        consortium: {
          findMany: async () => [row('00C', 'NHS Darlington'), row('00D', 'NHS Durham Dales')],
          findUnique: async () => ({
            ...row('00C', 'NHS Darlington'),
            memberships: [{ practiceCode: 'A83005', validFrom: new Date('2013-04-01T00:00:00Z') }],
          }),
        },
        practiceListSize: { findFirst: async () => null },
        officerAppointment: { findMany: async () => [] },
      },
      temporal: { workflow: { getHandle: () => ({ query: async () => formation }) } },
    });
    const list = await request(app).get('/consortia?limit=1');
    expect(list.status).toBe(200);
    const page = pageSchema(consortiumSummarySchema).parse(list.body);
    expect(page.items).toHaveLength(1);
    expect(page.nextCursor).toEqual(expect.any(String));

    const one = await request(app).get('/consortia/00C');
    expect(one.status).toBe(200);
    expect(consortiumDetailSchema.parse(one.body)).toMatchObject({
      code: '00C',
      memberships: [{ practiceCode: 'A83005', validFrom: '2013-04-01' }],
      formation: { stage: 'awaiting_recognition' },
    });
  });

  it('When a consortium is not on record, then 404 problem+json', async () => {
    const app = testApp({ db: { consortium: { findUnique: async () => null } } });
    const res = await request(app).get('/consortia/00Z');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('When a shadow consortium is registered and recognised, then 202 with Location and 200 match their schemas', async () => {
    // Not on record until it is registered; then in the officer's area team (recognition checks scope).
    let registered = false;
    const app = testApp({
      db: {
        consortium: { findUnique: async () => (registered ? { code: '00C', areaTeam: 'Q99' } : null) },
        membership: { findMany: async () => [] },
        practice: { findMany: async () => [{ code: 'A83005' }] },
        // The version in force, as the seed path stores it.
        policyVersion: {
          findFirst: async () => ({
            id: SEED_POLICY_VERSION,
            effectiveFrom: new Date('2010-04-01T00:00:00Z'),
            document: SEED_POLICY_DOCUMENT,
          }),
        },
        idempotencyRecord: {
          create: async () => ({ id: '1' }),
          update: async () => ({}),
          deleteMany: async () => ({ count: 1 }),
        },
      },
      temporal: {
        workflow: {
          start: async () => ((registered = true), {}),
          getHandle: () => ({
            executeUpdate: async () => ({ ...formation, stage: 'recognised', recognisedBy: USERS.officer.id }),
          }),
        },
      },
    });
    const created = await request(app)
      .post('/consortia')
      .set('authorization', bearer(USERS.officer))
      .set('content-type', 'application/json')
      .send(JSON.stringify({ code: '00C', name: ' NHS Darlington ', memberPracticeCodes: ['A83005'] }));
    expect(created.status).toBe(202);
    expect(created.headers.location).toBe('/consortia/00C');
    shadowFormationAcceptedSchema.parse(created.body);

    const recognised = await request(app)
      .post('/consortia/00C/recognition')
      .set('authorization', bearer(USERS.officer))
      .set('idempotency-key', 'k-1')
      .send({ note: 'ok' });
    expect(recognised.status).toBe(200);
    expect(shadowFormationStateSchema.parse(recognised.body).stage).toBe('recognised');
  });

  it('When a dependency is down, then /health answers 503 with the documented body', async () => {
    const app = testApp({
      db: { $queryRaw: async () => Promise.reject(new Error('connection refused')) },
      temporal: { connection: { workflowService: { getSystemInfo: async () => ({}) } } },
    });
    const res = await request(app).get('/health').set('authorization', 'Bearer nonsense');
    expect(res.status).toBe(503);
    expect(healthSchema.parse(res.body)).toMatchObject({
      status: 'down',
      database: { status: 'down', error: 'connection refused' },
      temporal: { status: 'up' },
    });
  });
});
