// A short HTTP and WebSocket fuzz of a listening agent with a real demo pod: no 5xx, errors in the API's shape, slow clients cut off.
import t from 'tap';
import { connect } from 'node:net';
import { demoClusterFor } from '../helpers/cluster.js';
import { fuzzHttp } from '../helpers/fuzz/http-run.js';
import { slowClients } from '../helpers/fuzz/slow.js';
import { fuzzWs } from '../helpers/fuzz/ws.js';
import { SEED } from './fc.js';

const REQUESTS = Number(process.env.FUZZ_HTTP_REQUESTS ?? 2000);

/** Sends raw bytes on a fresh connection; resolves with everything the server sent before closing. */
const raw = (port: number, bytes: string, endAfterWrite = true): Promise<string> =>
  new Promise((resolve) => {
    let got = '';
    const s = connect(port, '127.0.0.1', () => (endAfterWrite ? s.end(bytes) : s.write(bytes)));
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => resolve(got));
    setTimeout(() => s.destroy(), 10_000).unref();
  });

t.test(`${REQUESTS} hostile requests against a live agent; parser errors in the API's shape`, async (t) => {
  const { pod, agent } = await demoClusterFor(t);
  await agent.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (agent.app.server.address() as { port: number }).port;
  const target = {
    host: '127.0.0.1', port, tokens: ['viewer-token', 'debugger-token', 'admin-token', 'nobody-token'],
    pods: [{ namespace: 'shop', name: 'web', containers: ['app', 'debugger', 'debugger-notarget'] }],
    containerIDs: [pod.sandbox.id, pod.app.id, pod.debugger.id, pod.debuggerNoTarget.id],
    pids: [pod.sandbox.pid, pod.app.pid, pod.debugger.pid],
  };
  // Slow clients held open all along: they must not starve the others.
  const slow = slowClients('127.0.0.1', port, 8, 'admin-token', 500);
  t.teardown(() => slow.stop());
  const rss0 = process.memoryUsage().rss;
  const c = await fuzzHttp(target, { requests: REQUESTS, seed: SEED, concurrency: 8, timeoutMs: 20_000 });
  t.comment(`by status: ${JSON.stringify(c.byStatus)}`);
  t.equal(c.requests, REQUESTS, 'every request answered or accounted for');
  t.equal(c.byClass['5xx'] ?? 0, 0, 'no 5xx');
  t.same(c.findings, [], 'no 5xx, timeouts, unanswered requests or errors outside {"error":{code,message}}');
  t.ok((c.byClass['2xx'] ?? 0) > 0 && (c.byStatus['401'] ?? 0) > 0 && (c.byStatus['403'] ?? 0) > 0 && (c.byStatus['404'] ?? 0) > 0, 'handlers, authn and authz all reached');
  t.ok(process.memoryUsage().rss - rss0 < 300 * 1024 * 1024, 'memory bounded (agent and client share this process)');
  // Attach sessions (cat or true) sent frames out of order, malformed or oversized: each one ends.
  const ws = await fuzzWs(target, { sessions: 24, seed: SEED, concurrency: 2, token: 'admin-token' });
  t.comment(`websocket: handshakes ${JSON.stringify(ws.handshake)}, ended ${JSON.stringify(ws.ended)}`);
  t.equal(ws.hung, 0, 'no WebSocket session left hanging');
  t.ok((ws.handshake['101'] ?? 0) > 0, 'sessions were upgraded');
  // Found by this fuzz: stdin written to a pty after its session ended can land on a later
  // connection that reused the fd (node-pty's write queue). Strict in the fuzz-http benchmark.
  t.equal(ws.crossTalk + (ws.handshake.bad ?? 0), 0, "no session's input on another connection");
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  t.equal(health.status, 200, 'healthy afterwards');
  const diff = await fetch(`http://127.0.0.1:${port}/v1/pods/shop/web/diff?debugger=debugger`, { headers: { authorization: 'Bearer debugger-token' } });
  t.equal(diff.status, 200, 'and still answers a real diff');

  // Errors of Node's HTTP parser, before any route: the same {"error":{code,message}} shape.
  const cases: Array<[string, string, number, string]> = [
    ['garbage', '\u0001\u0002 nonsense\r\n\r\n', 400, 'INVALID'],
    ['oversized header', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
    ['two content lengths', 'POST /v1/containers HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab', 400, 'INVALID'],
  ];
  for (const [name, bytes, status, code] of cases) {
    const got = await raw(port, bytes);
    t.match(got, new RegExp(`^HTTP/1\\.1 ${status} `), `${name}: ${status}`);
    const body = got.slice(got.indexOf('\r\n\r\n') + 4);
    t.match(JSON.parse(body), { error: { code, message: String } }, `${name}: ${code}`);
  }
});

t.test('a body dribbled a byte at a time is cut at the request timeout (Node stops counting after the headers)', async (t) => {
  const { default: Fastify } = await import('fastify');
  const { boundRequestTime, clientErrorHandler } = await import('../../agent/server/errors.js');
  const app = Fastify({ clientErrorHandler });
  t.teardown(() => app.close());
  boundRequestTime(app, 400);
  app.post('/x', async () => ({ ok: true }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const t0 = Date.now();
  const got = await new Promise<string>((resolve) => {
    let out = '';
    const s = connect(port, '127.0.0.1', () => s.write('POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{'));
    const drip = setInterval(() => s.writable && s.write(' '), 50);
    s.on('data', (d: Buffer) => (out += d.toString()));
    s.on('error', () => undefined);
    s.on('close', () => (clearInterval(drip), resolve(out)));
    setTimeout(() => s.destroy(), 10_000).unref();
  });
  t.match(got, /^HTTP\/1\.1 408 /, '408');
  t.match(got, /"code":"TIMEOUT"/);
  t.ok(Date.now() - t0 < 5000, `closed after ${Date.now() - t0} ms`);
  const ok = await fetch(`http://127.0.0.1:${port}/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  t.equal(ok.status, 200, 'a prompt request is not affected');
});
