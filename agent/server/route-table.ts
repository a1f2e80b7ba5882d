// The app's route table, kept from fastify's onRoute hook: 405 with Allow on known paths, and what the /v1 index and OpenAPI document list.
import type { FastifyInstance, FastifyRequest, FastifySchema, RouteOptions } from 'fastify';
import { HttpError, pathOf } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** One line for the /v1 index and the OpenAPI operation. */
    summary?: string;
    /** Discovery (the index, the OpenAPI document): any authenticated caller, no SubjectAccessReview. */
    authenticatedOnly?: boolean;
  }
}

/** One route as registered (HEAD twins of GET routes left out). */
export interface RouteEntry {
  method: string;
  /** The full URL pattern, prefix included: /v1/pods/:namespace/:pod. */
  url: string;
  schema?: FastifySchema;
  summary?: string;
  authenticatedOnly?: boolean;
  access?: (req: FastifyRequest) => unknown;
  websocket: boolean;
}

export class RouteTable {
  readonly routes: RouteEntry[] = [];
  private readonly allowed = new Map<string, Set<string>>();
  private sealed = false;

  /** Starts recording: routes registered on app (and its plugins) from now on. */
  constructor(app: FastifyInstance) {
    app.addHook('onRoute', (r: RouteOptions & { wsHandler?: unknown }) => {
      if (this.sealed) return;
      const methods = Array.isArray(r.method) ? r.method : [r.method];
      const set = this.allowed.get(r.url) ?? new Set<string>();
      this.allowed.set(r.url, set);
      for (const m of methods) {
        set.add(m);
        if (m === 'HEAD') continue;
        this.routes.push({ method: m, url: r.url, schema: r.schema as FastifySchema | undefined, summary: r.config?.summary, authenticatedOnly: r.config?.authenticatedOnly, access: r.config?.access, websocket: typeof r.wsHandler === 'function' });
      }
    });
  }

  /**
   * A known path asked with another method is 405 with Allow, not 404 (fastify's default). One
   * route per known URL takes every other method and refuses it in onRequest, before any body is
   * read or any token checked: which methods a path takes is no secret (GET /v1 lists them).
   */
  answerOtherMethods(app: FastifyInstance): void {
    this.sealed = true;
    for (const [url, set] of this.allowed) {
      const others = app.supportedMethods.filter((m) => !set.has(m));
      if (others.length === 0) continue;
      const allow = [...set].sort((a, b) => methodRank(a) - methodRank(b)).join(', ');
      const use = [...set].filter((m) => m !== 'HEAD').join(' or ');
      app.route({
        method: others,
        url,
        // Not part of any API: left out of the schemas' validation, the index and the log.
        onRequest: async (req, reply) => {
          void reply.header('allow', allow);
          throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${pathOf(req.url)}: use ${use}`);
        },
        handler: async () => undefined,
      });
    }
  }
}

const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
function methodRank(m: string): number {
  const i = ORDER.indexOf(m);
  return i < 0 ? ORDER.length : i;
}
