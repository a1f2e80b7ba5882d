// The /v1 index and the OpenAPI 3.1 document, both generated from the route table (JSON schemas, summaries, declared permissions).
import type { FastifyRequest } from 'fastify';
import { describeAccess, type Requirement, type ResourceAttributes } from '../model/auth.js';
import { VERSION } from '../protocol/protocol.js';
import type { RouteEntry } from './route-table.js';
import { ErrorBody } from './schemas.js';

/** One line of GET /v1. */
export interface IndexEntry {
  method: string;
  /** OpenAPI style: /v1/pods/{namespace}/{pod}. */
  path: string;
  summary: string;
  /** What the caller must be allowed, each checked in order; ["authenticated"] for discovery. */
  permissions: string[];
  websocket?: true;
}

export interface IndexJSON {
  version: string;
  /** kubernetes: permissions are checked (TokenReview + SubjectAccessReview); none: not checked. */
  authorization: 'kubernetes' | 'none';
  openapi: string;
  routes: IndexEntry[];
}

const paramNames = (url: string): string[] => [...url.matchAll(/:([A-Za-z0-9_]+)/g)].flatMap((m) => (m[1] === undefined ? [] : [m[1]]));
const openapiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
/** A schema as plain JSON: a copy the document may change without touching the route's. */
const plain = (s: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(s)) as Record<string, unknown>;

/**
 * What a route's access function asks for, with the path's parameters as placeholders: the route
 * declares its permission from the request, so it is asked with a request whose params are
 * "{namespace}", "{pod}"… Open routes (outside /v1) need nothing.
 */
export function permissionsOf(r: RouteEntry): string[] {
  if (r.authenticatedOnly) return ['authenticated'];
  if (!r.access) return r.url.startsWith('/v1') ? ['none declared: refused'] : [];
  const params = Object.fromEntries(paramNames(r.url).map((n) => [n, `{${n}}`]));
  const declared = r.access({ params, query: {} } as unknown as FastifyRequest) as ResourceAttributes | Requirement[];
  return (Array.isArray(declared) ? declared.map((d) => d.attrs) : [declared]).map(describeAccess);
}

export function buildIndex(routes: RouteEntry[], authorization: 'kubernetes' | 'none'): IndexJSON {
  return {
    version: VERSION,
    authorization,
    openapi: '/v1/openapi.json',
    routes: routes
      .filter((r) => r.url.startsWith('/v1'))
      .map((r) => ({ method: r.method, path: openapiPath(r.url), summary: r.summary ?? '', permissions: permissionsOf(r), ...(r.websocket ? { websocket: true as const } : {}) })),
  };
}

/** One path or query parameter per property of the route's params or querystring object schema. */
function parameters(schema: unknown, where: 'path' | 'query'): Array<Record<string, unknown>> {
  if (!schema) return [];
  const s = plain(schema) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, p]) => ({
    name,
    in: where,
    required: where === 'path' || (s.required ?? []).includes(name),
    schema: p,
    // A repeated query parameter (command=ls&command=-l) is one array.
    ...(where === 'query' ? { style: 'form', explode: true } : {}),
  }));
}

function operation(r: RouteEntry, authorization: 'kubernetes' | 'none'): Record<string, unknown> {
  const open = !r.url.startsWith('/v1');
  const ok = r.websocket
    ? { '101': { description: 'Switching Protocols: the session runs over the WebSocket (binary frames: stdin, stdout, stderr, resize, exit).' } }
    : { '200': { description: 'OK', content: { 'application/json': { schema: {} } } } };
  return {
    operationId: `${r.method.toLowerCase()}${r.url.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    summary: r.summary ?? '',
    parameters: [...parameters(r.schema?.params, 'path'), ...parameters(r.schema?.querystring, 'query')],
    ...(r.schema?.body ? { requestBody: { required: true, content: { 'application/json': { schema: plain(r.schema.body) } } } } : {}),
    responses: { ...ok, default: { description: 'An error, in the API\'s error shape.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } },
    ...(open || authorization === 'none' ? { security: [] } : {}),
    'x-nsinspect-permissions': permissionsOf(r),
  };
}

export function buildOpenAPI(routes: RouteEntry[], authorization: 'kubernetes' | 'none'): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const p = (paths[openapiPath(r.url)] ??= {});
    p[r.method.toLowerCase()] = operation(r, authorization);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'nsinspect agent API',
      version: VERSION,
      description: 'Linux namespaces of the pods and containers on one Kubernetes node. Requests under /v1 carry a Kubernetes bearer token; each operation names the permission it needs (x-nsinspect-permissions), checked with a SubjectAccessReview.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A Kubernetes token, verified with a TokenReview.' } },
      schemas: { Error: plain(ErrorBody) },
    },
    security: authorization === 'kubernetes' ? [{ bearer: [] }] : [],
    paths,
  };
}
