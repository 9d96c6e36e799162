/** The API's own reference: the OpenAPI document and the browsable page written from it. Both public. */
import { Router } from 'express';
import { z } from 'zod';
import { DOCS_CONTENT_SECURITY_POLICY, renderApiHtml } from '../docs';
import type { RouteRegistry } from '../openapi';

const openApiDocumentSchema = z.looseObject({
  openapi: z.literal('3.1.0'),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
  components: z.record(z.string(), z.unknown()),
});

export function referenceRouter(registry: RouteRegistry) {
  const router = Router();
  let html: string | undefined;

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/openapi.json',
      operationId: 'getOpenApiDocument',
      summary: 'The OpenAPI 3.1 document of this API',
      description: 'Generated from the zod schemas that validate the requests. Needs no token, and ignores one.',
      tags: ['reference'],
      roles: ['public'],
      authentication: 'none',
      responses: { 200: { description: 'The document.', schema: openApiDocumentSchema } },
    },
    (_input, _req, res) => {
      res.json(registry.document());
    },
  );

  registry.registerRoute(
    router,
    {
      method: 'get',
      path: '/docs',
      operationId: 'getApiReference',
      summary: 'This reference, as a web page',
      description:
        'A self-contained HTML page written from the OpenAPI document: operations by tag, parameters, request and response schemas, roles.',
      tags: ['reference'],
      roles: ['public'],
      authentication: 'none',
      responses: { 200: { description: 'The page.', schema: z.string(), contentType: 'text/html' } },
    },
    (_input, _req, res) => {
      html ??= renderApiHtml(registry.document());
      res.setHeader('Content-Security-Policy', DOCS_CONTENT_SECURITY_POLICY);
      res.type('html').send(html);
    },
  );

  return router;
}
