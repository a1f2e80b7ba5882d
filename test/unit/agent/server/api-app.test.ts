// The API app's answers outside its routes: 404, 405 with Allow, 415, bad JSON, all in the API's error shape.
import t, { type Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../../agent/server/api-app.js';
import { buildMetricsApp } from '../../../../agent/server/metrics-app.js';
import { Engine } from '../../../../agent/inspect/engine.js';
import { PodInspector } from '../../../../agent/inspect/pod-inspector.js';
import { ExecService } from '../../../../agent/exec/service.js';

const ID = 'abcdefabcdef';

async function api(t: Test): Promise<FastifyInstance> {
  // The exec service makes no cgroup until a session runs: none does here.
  const exec = new ExecService({ info: () => undefined });
  const engine = new Engine();
  const app = await buildApp({ engine, inspector: new PodInspector(engine), pods: null, reviewer: null, nodeName: 'node-1', exec }, { logger: false });
  t.teardown(() => app.close());
  return app;
}

const shape = { error: { code: String, message: String } };

t.test('unknown paths: 404 in the API shape, whatever the method', async (t) => {
  const app = await api(t);
  for (const [method, url] of [['GET', '/nope'], ['POST', '/v1/nope'], ['DELETE', '/v1/pods'], ['GET', '/v1/containers/' + ID + '/nope']] as const) {
    const r = await app.inject({ method, url });
    t.equal(r.statusCode, 404, `${method} ${url}`);
    t.match(r.headers['content-type'], 'application/json');
    t.same(r.json(), { error: { code: 'NOT_FOUND', message: `no route ${method} ${url}` } });
  }
});

t.test('a known path with another method: 405 with Allow, before the body is read', async (t) => {
  const app = await api(t);
  const cases: Array<[string, string, string, string]> = [
    ['POST', '/v1/containers', 'GET, HEAD', 'GET'],
    ['DELETE', `/v1/containers/${ID}`, 'GET, HEAD', 'GET'],
    ['PUT', '/v1/pods/shop/web/diff', 'GET, HEAD', 'GET'],
    ['GET', `/v1/containers/${ID}/exec`, 'POST', 'POST'],
    ['DELETE', '/v1/pods/shop/web/containers/app/exec', 'POST', 'POST'],
    ['OPTIONS', '/healthz', 'GET, HEAD', 'GET'],
    ['PATCH', '/readyz', 'GET, HEAD', 'GET'],
  ];
  for (const [method, url, allow, use] of cases) {
    const r = await app.inject({ method: method as 'GET', url, payload: method === 'GET' ? undefined : '{"x":', headers: { 'content-type': 'application/json' } });
    t.equal(r.statusCode, 405, `${method} ${url}`);
    t.equal(r.headers.allow, allow, `Allow on ${url}`);
    t.same(r.json(), { error: { code: 'METHOD_NOT_ALLOWED', message: `${method} is not allowed on ${url}: use ${use}` } });
  }
  t.equal((await app.inject({ method: 'HEAD', url: '/healthz' })).statusCode, 200, 'HEAD stays served where GET is');
});

t.test('bodies: bad JSON is 400, another media type 415, an empty body 400, too large 413', async (t) => {
  const app = await api(t);
  const url = `/v1/containers/${ID}/exec`;
  const bad = await app.inject({ method: 'POST', url, payload: '{"command":', headers: { 'content-type': 'application/json' } });
  t.equal(bad.statusCode, 400);
  t.same(bad.json(), { error: { code: 'INVALID', message: 'the request body is not valid JSON' } });

  const text = await app.inject({ method: 'POST', url, payload: 'id', headers: { 'content-type': 'text/plain' } });
  t.equal(text.statusCode, 415);
  t.same(text.json(), { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'the body\'s media type "text/plain" is not accepted: send Content-Type: application/json' } });
  const xml = await app.inject({ method: 'POST', url, payload: '<x/>', headers: { 'content-type': 'application/xml' } });
  t.equal(xml.statusCode, 415);
  t.equal(xml.json().error.code, 'UNSUPPORTED_MEDIA_TYPE');

  const empty = await app.inject({ method: 'POST', url, payload: '', headers: { 'content-type': 'application/json' } });
  t.equal(empty.statusCode, 400);
  t.match(empty.json(), shape);
  t.equal(empty.json().error.code, 'INVALID');

  const big = await app.inject({ method: 'POST', url, payload: JSON.stringify({ command: ['x'.repeat(2 * 1024 * 1024)] }), headers: { 'content-type': 'application/json' } });
  t.equal(big.statusCode, 413);
  t.same(big.json(), { error: { code: 'TOO_LARGE', message: 'the request body is over 1 MiB' } });

  const invalid = await app.inject({ method: 'POST', url, payload: { command: 'id' } });
  t.equal(invalid.statusCode, 400, 'schema validation');
  t.equal(invalid.json().error.code, 'INVALID');

  const malformed = await app.inject({ method: 'GET', url: '/v1/containers/%zz' });
  t.equal(malformed.statusCode, 400);
  t.equal(malformed.json().error.code, 'INVALID');
});

t.test('the metrics port: 404 and 405 with Allow in the same shape', async (t) => {
  const app = await buildMetricsApp({ render: async () => 'x 1\n', readiness: async () => ({ statusCode: 200, body: '{}' }), reviewer: null });
  t.teardown(() => app.close());
  const nf = await app.inject({ method: 'GET', url: '/v1' });
  t.equal(nf.statusCode, 404);
  t.same(nf.json(), { error: { code: 'NOT_FOUND', message: 'no route GET /v1' } });
  const na = await app.inject({ method: 'PUT', url: '/metrics', payload: 'x', headers: { 'content-type': 'text/plain' } });
  t.equal(na.statusCode, 405);
  t.equal(na.headers.allow, 'GET, HEAD');
  t.same(na.json(), { error: { code: 'METHOD_NOT_ALLOWED', message: 'PUT is not allowed on /metrics: use GET' } });
  t.equal((await app.inject({ method: 'GET', url: '/metrics' })).body, 'x 1\n');
});
