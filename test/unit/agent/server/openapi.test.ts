// GET /v1 and GET /v1/openapi.json: every route listed with its permission and summary, a valid OpenAPI 3.1 document, open to any authenticated caller.
import t, { type Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { buildApp } from '../../../../agent/server/api-app.js';
import { Engine } from '../../../../agent/inspect/engine.js';
import { PodInspector } from '../../../../agent/inspect/pod-inspector.js';
import { ExecService } from '../../../../agent/exec/service.js';
import { startFakeApiServer } from '../../../fake-apiserver/index.js';
import { kubeconfigClient } from '../../../../agent/kube/client.js';
import { KubeReviewer } from '../../../../agent/kube/reviewer.js';
import type { AccessReviewer } from '../../../../agent/model/auth.js';
import type { IndexJSON } from '../../../../agent/server/openapi.js';

async function api(t: Test, reviewer: AccessReviewer | null = null): Promise<FastifyInstance> {
  // The exec service makes no cgroup until a session runs: none does here.
  const engine = new Engine();
  const app = await buildApp({ engine, inspector: new PodInspector(engine), pods: null, reviewer, nodeName: 'node-1', exec: new ExecService({ info: () => undefined }) }, { logger: false });
  t.teardown(() => app.close());
  return app;
}

t.test('GET /v1: every /v1 route, its permission and summary', async (t) => {
  const app = await api(t);
  const r = await app.inject({ method: 'GET', url: '/v1' });
  t.equal(r.statusCode, 200);
  const index = r.json() as IndexJSON;
  t.match(index, { version: String, authorization: 'none', openapi: '/v1/openapi.json' });
  const line = (method: string, path: string) => index.routes.find((x) => x.method === method && x.path === path);
  t.same(line('GET', '/v1/pods/{namespace}/{pod}')?.permissions, ['get pods in namespace "{namespace}" (name "{pod}")']);
  t.same(line('GET', '/v1/pods/{namespace}/{pod}/containers/{container}/processes')?.permissions, ['create pods/exec in namespace "{namespace}" (name "{pod}")']);
  t.same(line('GET', '/v1/containers')?.permissions, ['get nodes/proxy (node "node-1")']);
  t.same(line('POST', '/v1/pods/{namespace}/{pod}/containers/{container}/exec')?.permissions, ['create nodes/proxy (node "node-1")', 'create pods/exec in namespace "{namespace}" (name "{pod}")'], 'both requirements, in the order checked');
  t.match(line('GET', '/v1/containers/{id}/attach'), { websocket: true });
  t.same(line('GET', '/v1')?.permissions, ['authenticated']);
  t.same(line('GET', '/v1/openapi.json')?.permissions, ['authenticated']);
  t.notOk(index.routes.some((x) => x.method === 'HEAD'), 'HEAD twins are left out');
  t.notOk(index.routes.some((x) => !x.path.startsWith('/v1')), 'only /v1');
  for (const x of index.routes) t.ok(x.summary.length > 10 && !x.summary.includes('\n'), `a one-line summary for ${x.method} ${x.path}`);
  t.equal(index.routes.length, 14);
});

t.test('GET /v1/openapi.json: an OpenAPI 3.1 document from the routes\' own schemas', async (t) => {
  const app = await api(t);
  const r = await app.inject({ method: 'GET', url: '/v1/openapi.json' });
  t.equal(r.statusCode, 200);
  const doc = r.json();
  t.equal(doc.openapi, '3.1.0');
  t.match(doc.info, { title: String, version: String });
  const index = (await app.inject({ method: 'GET', url: '/v1' })).json() as IndexJSON;
  const ajv = new Ajv2020({ strict: false });
  const ids = new Set<string>();
  for (const route of index.routes) {
    const op = doc.paths[route.path]?.[route.method.toLowerCase()];
    t.ok(op, `${route.method} ${route.path} is documented`);
    if (!op) continue;
    t.equal(op.summary, route.summary);
    t.same(op['x-nsinspect-permissions'], route.permissions);
    t.notOk(ids.has(op.operationId), `operationId ${op.operationId} is unique`);
    ids.add(op.operationId);
    // Every {param} of the path is a required path parameter, and nothing else is.
    const inPath = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const params = op.parameters as Array<{ name: string; in: string; required: boolean; schema: object }>;
    t.same(params.filter((p) => p.in === 'path').map((p) => p.name).sort(), inPath, `path parameters of ${route.path}`);
    t.ok(params.filter((p) => p.in === 'path').every((p) => p.required));
    // The schemas are the ones fastify validates with, and valid JSON Schema 2020-12.
    for (const p of params) t.doesNotThrow(() => ajv.compile(p.schema), `${route.path} ${p.name}`);
    if (op.requestBody) t.doesNotThrow(() => ajv.compile(op.requestBody.content['application/json'].schema));
    t.equal(op.responses.default.content['application/json'].schema.$ref, '#/components/schemas/Error');
  }
  const diff = doc.paths['/v1/pods/{namespace}/{pod}/diff'].get;
  t.same(diff.parameters.filter((p: { in: string }) => p.in === 'query').map((p: { name: string; required: boolean }) => [p.name, p.required]), [['debugger', true], ['target', false]]);
  const pod = diff.parameters.find((p: { name: string }) => p.name === 'pod');
  t.equal(pod.schema.maxLength, 253, 'the DNS-1123 subdomain schema, as validated');
  const exec = doc.paths['/v1/containers/{id}/exec'].post.requestBody.content['application/json'].schema;
  t.same(exec.required, ['command']);
  t.equal(exec.additionalProperties, false);
  t.ok(doc.paths['/healthz'].get, 'the probes are documented too');
  t.same(doc.paths['/healthz'].get.security, [], 'and open');
  const err = ajv.compile(doc.components.schemas.Error);
  t.ok(err({ error: { code: 'NOT_FOUND', message: 'x', hint: 'y', details: { candidates: [] } } }), 'the error shape validates a real error');
});

t.test('with --auth kubernetes: any authenticated caller may read the index; the routes stay guarded', async (t) => {
  const srv = await startFakeApiServer();
  t.teardown(() => srv.close());
  srv.auth.addUser('nobody-token', { username: 'nobody', groups: ['system:authenticated'] });
  const app = await api(t, new KubeReviewer(await kubeconfigClient(srv.kubeconfigPath)));
  const get = (url: string, token?: string) => app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
  t.equal((await get('/v1')).statusCode, 401, 'a token is still needed');
  t.equal((await get('/v1/openapi.json')).statusCode, 401);
  const reviews = srv.auth.subjectAccessReviews.length;
  const index = await get('/v1', 'nobody-token');
  t.equal(index.statusCode, 200, 'no permission needed beyond authentication');
  t.equal(index.json().authorization, 'kubernetes');
  t.equal((await get('/v1/openapi.json', 'nobody-token')).statusCode, 200);
  t.equal(srv.auth.subjectAccessReviews.length, reviews, 'no SubjectAccessReview for discovery');
  t.same((await get('/v1/openapi.json', 'nobody-token')).json().security, [{ bearer: [] }]);
  t.equal((await get('/v1/containers', 'nobody-token')).statusCode, 403, 'the routes it lists are not opened');
});
