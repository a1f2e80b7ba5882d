// GET /v1 (the routes, with the permission each needs) and GET /v1/openapi.json: discovery, for any authenticated caller.
import type { FastifyInstance } from 'fastify';
import { buildIndex, buildOpenAPI, type IndexJSON } from '../openapi.js';
import type { RouteTable } from '../route-table.js';

export async function indexRoutes(app: FastifyInstance, deps: { table: RouteTable; authorization: 'kubernetes' | 'none' }): Promise<void> {
  // Routes are all registered before the first request: both answers are built once, on first use.
  let index: IndexJSON | undefined;
  let openapi: Record<string, unknown> | undefined;
  app.get('', { config: { summary: 'This index: every route, the permission it needs, and a one-line summary.', authenticatedOnly: true } }, async () =>
    (index ??= buildIndex(deps.table.routes, deps.authorization)),
  );
  app.get('/openapi.json', { config: { summary: 'The OpenAPI 3.1 document of this API, generated from its schemas.', authenticatedOnly: true } }, async () =>
    (openapi ??= buildOpenAPI(deps.table.routes, deps.authorization)),
  );
}
