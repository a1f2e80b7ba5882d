// Proves the fake API server's pods/portforward with the REAL client-node 1.4 PortForward, tunnelling HTTP like kubectl port-forward.
//
// What client-node 1.4's PortForward (dist/portforward.js, web-socket-handler.js) does, so what the CLI must do:
//  * It offers v5..v2/channel.k8s.io; the server picks v4.channel.k8s.io. portForward() resolves with the `ws`
//    WebSocket once upgraded (retryCount 0; retryCount > 0 returns a lazy function instead: don't use it).
//  * A refused upgrade (400/401/403/404/503, or a transport failure) REJECTS with a ws ErrorEvent, not an Error:
//    only `.message` "Unexpected server response: 403" (+ `.error`); the Status body is lost. Parse the code, or
//    pre-check (read the pod, SelfSubjectAccessReview create pods/portforward) to explain why.
//  * A dead backend does NOT reject: the text ("error forwarding port 9742 to pod ...: connection refused") arrives
//    later on `err`, then the server closes the WebSocket.
//  * It NEVER ends the local socket when the WebSocket closes (later writes are silently dropped): the HTTP client
//    hangs. It closes the WebSocket on the local socket's 'end' only, not on destroy(). Bridge both:
//    `ws.on('close', () => sock.end()); sock.on('close', () => ws.close())`.
//  * It writes to the local socket after the peer may be gone (give it an 'error' listener), writes an empty Buffer
//    for each channel's 2-byte port prefix, ignores backpressure both ways, and supports one port per call.
import t from 'tap';
import { createHash } from 'node:crypto';
import { Agent, createServer as createHttpServer, get } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { once } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { PortForward, type KubeConfig } from '@kubernetes/client-node';
import { makePod, rawRequest, rawUpgrade, startFakeApiServer, type FakeApiServerOptions } from './index.js';
import { must } from '../helpers/must.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PF_PATH = '/api/v1/namespaces/shop/pods/agent-pod/portforward';
const SA = 'system:serviceaccount:nsinspect:nsinspect';
/** The slice of the `ws` WebSocket that portForward() resolves with (its types come from the untyped isomorphic-ws). */
interface TunnelWs { protocol: string; readyState: number; close(): void; on(ev: 'close', fn: (code: number) => void): unknown }

async function until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Fake apiserver + a node:http "agent" that pod shop/agent-pod port 9742 is mapped to. One teardown closes all. */
async function setup(t: { teardown(fn: () => unknown): void }, opts?: FakeApiServerOptions) {
  const srv = await startFakeApiServer(opts);
  const agent = createHttpServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const [, route, arg] = (req.url ?? '').split('/');
    if (route === 'slow') await sleep(Number(arg));
    if (route === 'close') res.setHeader('Connection', 'close');
    res.end(route === 'echo' ? Buffer.concat(chunks) : `${route} ${arg ?? ''}`);
  });
  await new Promise<void>((r) => agent.listen(0, '127.0.0.1', r));
  const agentSockets = new Set<Socket>();
  agent.on('connection', (s: Socket) => (agentSockets.add(s), s.on('close', () => agentSockets.delete(s))));
  const agentConns = () => agentSockets.size;
  srv.pods.add(makePod({ name: 'agent-pod', namespace: 'shop', nodeName: 'node-a' }));
  srv.portForward.set('shop', 'agent-pod', 9742, { host: '127.0.0.1', port: (agent.address() as AddressInfo).port });
  const cleanups: Array<() => unknown> = [];
  t.teardown(async () => {
    for (const c of cleanups.reverse()) await c();
    await srv.close();
    agent.closeAllConnections();
    await new Promise((r) => agent.close(r));
  });
  return { srv, agentConns, defer: (fn: () => unknown) => void cleanups.push(fn) };
}

/** A Writable that collects what client-node writes to its `err` stream. */
function collector(): Writable & { text: string } {
  const w = new Writable({ write: (c: Buffer, _e, cb) => ((w.text += c.toString()), cb()) }) as Writable & { text: string };
  return Object.assign(w, { text: '' });
}

/** `kubectl port-forward` in miniature: a local TCP server, one PortForward tunnel per accepted socket. */
async function tunnel(kc: KubeConfig, defer: (fn: () => unknown) => void, o: { bridge?: boolean } = {}) {
  const accepted = new Set<Socket>();
  const wss: TunnelWs[] = [];
  const rejections: unknown[] = [];
  const err = collector();
  const server = createNetServer((sock) => {
    accepted.add(sock);
    sock.on('close', () => accepted.delete(sock));
    sock.on('error', () => {}); // client-node may write after the peer left
    new PortForward(kc).portForward('shop', 'agent-pod', [9742], sock, err, sock).then((res) => {
      const ws = res as unknown as TunnelWs;
      wss.push(ws);
      if (o.bridge === false) return;
      ws.on('close', () => sock.end());
      sock.on('close', () => ws.close());
      if (ws.readyState === 3) sock.end();
      if (sock.destroyed) ws.close();
    }, (e: unknown) => (rejections.push(e), sock.destroy()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const close = () => (accepted.forEach((s) => s.destroy()), new Promise((r) => server.close(r)));
  defer(close);
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, accepted, wss, rejections, errText: () => err.text, close };
}

/** One portForward() call with throwaway streams; resolves the WebSocket or the rejection. */
function forward(kc: KubeConfig, pod = 'agent-pod', port = 9742, err: Writable | null = null) {
  return new PortForward(kc).portForward('shop', pod, [port], new PassThrough(), err, new PassThrough())
    .then((ws) => ({ ws: ws as unknown as TunnelWs, error: undefined }), (error: { message?: string; error?: unknown }) => ({ ws: undefined, error }));
}

t.test('tunnels sequential, concurrent and large HTTP requests through the real PortForward', async (t) => {
  const { srv, agentConns, defer } = await setup(t);
  const tun = await tunnel(srv.kc, defer);

  // node:http keep-alive agent with one socket: deterministic reuse (undici's fetch sometimes dials a second one).
  const ka = new Agent({ keepAlive: true, maxSockets: 1 });
  const httpGet = (path: string) => new Promise<string>((resolve, reject) => get(`${tun.url}${path}`, { agent: ka }, (res) => {
    let b = '';
    res.setEncoding('utf8').on('data', (c: string) => (b += c)).on('end', () => resolve(b)).on('error', reject);
  }).on('error', reject));
  for (let i = 0; i < 5; i++) t.equal(await httpGet(`/hello/${i}`), `hello ${i}`);
  t.equal(srv.portForward.sessions(), 1, 'keep-alive: one tunnel carried all sequential requests');
  ka.destroy();
  for (let i = 0; i < 5; i++) t.equal(await (await fetch(`${tun.url}/hello/f${i}`)).text(), `hello f${i}`);
  t.ok(srv.portForward.sessions() < 6, `fetch reuses tunnels too (${srv.portForward.sessions()} sessions)`);

  const concurrent = await Promise.all([...Array(8).keys()].map(async (i) => (await fetch(`${tun.url}/slow/${50 + i}`)).text()));
  t.same(concurrent, [...Array(8).keys()].map((i) => `slow ${50 + i}`));
  t.ok(srv.portForward.sessions() >= 9, `concurrent requests opened their own tunnels (${srv.portForward.sessions()})`);

  const big = Buffer.alloc(1024 * 1024 + 7, 'nsinspect-');
  const echoed = Buffer.from(await (await fetch(`${tun.url}/echo`, { method: 'POST', body: big })).arrayBuffer());
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  t.equal(sha(echoed), sha(big), '1 MiB round trip intact');

  t.same([tun.rejections.length, tun.errText()], [0, ''], 'no rejection, nothing on the error channel');
  t.ok(tun.wss.every((w) => w.protocol === 'v4.channel.k8s.io'));
  t.match(srv.portForward.log[0], { namespace: 'shop', pod: 'agent-pod', ports: [9742], protocol: 'v4.channel.k8s.io', user: SA, errors: [] });
  t.ok(srv.portForward.log.reduce((n, r) => n + r.bytesIn, 0) > big.length);
  t.ok(srv.requests.filter((e) => e.path === PF_PATH).every((e) => e.verb === 'GET' && e.status === 101));

  await tun.close();
  await srv.portForward.waitForOpen(0);
  t.ok(srv.portForward.log.every((r) => r.closedAt !== undefined), 'every session record closed');
  await until(() => tun.wss.every((w) => w.readyState === 3), 'client WebSockets closed');
  await until(() => agentConns() === 0, 'no backend connection left at the agent');
});

t.test('refused upgrades reject with an ErrorEvent: 401 bad token, 404 unknown pod, 400 no host', async (t) => {
  const { srv, defer } = await setup(t);
  const bad = await forward(srv.writeKubeconfig(`${srv.dir}/bad`, { token: 'nope' }));
  t.equal(bad.error instanceof Error, false, 'not an Error instance');
  t.equal(bad.error?.message, 'Unexpected server response: 401');
  t.equal((bad.error?.error as Error).message, 'Unexpected server response: 401');
  t.match(JSON.parse((await rawUpgrade(srv, `${PF_PATH}?ports=9742`, { token: 'nope' })).body), { kind: 'Status', code: 401, reason: 'Unauthorized' });

  t.equal((await forward(srv.kc, 'ghost')).error?.message, 'Unexpected server response: 404');
  const nf = await rawUpgrade(srv, '/api/v1/namespaces/shop/pods/ghost/portforward?ports=9742', { protocols: ['v4.channel.k8s.io'] });
  t.same(JSON.parse(nf.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "ghost" not found', reason: 'NotFound', details: { name: 'ghost', kind: 'pods' }, code: 404 });

  srv.pods.add(makePod({ name: 'pending', namespace: 'shop' }));
  t.equal((await forward(srv.kc, 'pending')).error?.message, 'Unexpected server response: 400');

  // The local socket is left to the caller: the tunnel destroys it, so the HTTP client fails instead of hanging.
  const tun = await tunnel(srv.writeKubeconfig(`${srv.dir}/bad2`, { token: 'nope' }), defer);
  await t.rejects(fetch(`${tun.url}/hello/x`));
  t.equal(tun.rejections.length, 1);
  t.equal(srv.portForward.sessions(), 0);
});

t.test('enforceRbac: create on pods/portforward is required (403 with the real message)', async (t) => {
  const { srv, defer } = await setup(t, { enforceRbac: true });
  srv.auth.addUser('pf-token', { username: 'pf-user', groups: ['system:authenticated'] });
  srv.auth.addUser('reader-token', { username: 'reader', groups: ['system:authenticated'] });
  srv.auth.allow({ user: 'pf-user', verb: 'create', resource: 'pods/portforward', namespace: 'shop' });
  srv.auth.allow({ user: 'reader', verb: '*', resource: 'pods' });
  srv.auth.allow({ user: 'reader', verb: 'get', resource: 'pods/portforward' });

  const denied = await forward(srv.writeKubeconfig(`${srv.dir}/reader`, { token: 'reader-token' }));
  t.equal(denied.error?.message, 'Unexpected server response: 403');
  const raw = await rawUpgrade({ ...srv, token: 'reader-token' }, `${PF_PATH}?ports=9742`, { protocols: ['v4.channel.k8s.io'] });
  t.match({ http: raw.status, ...JSON.parse(raw.body) }, { http: 403,
    reason: 'Forbidden', code: 403, details: { name: 'agent-pod', kind: 'pods' },
    message: 'pods "agent-pod" is forbidden: User "reader" cannot create resource "pods/portforward" in API group "" in the namespace "shop"',
  });
  t.equal((await forward(srv.kc)).error?.message, 'Unexpected server response: 403', 'the SA has no grant either');

  const tun = await tunnel(srv.writeKubeconfig(`${srv.dir}/pf`, { token: 'pf-token' }), defer);
  t.equal(await (await fetch(`${tun.url}/hello/rbac`)).text(), 'hello rbac');
  t.equal(srv.portForward.log[0]?.user, 'pf-user');
  await tun.close();
  await srv.portForward.waitForOpen(0);
});

t.test('backend refused: resolves, the error arrives on the error channel, then the server closes', async (t) => {
  const { srv, defer } = await setup(t);
  const dead = createNetServer().listen(0, '127.0.0.1');
  await once(dead, 'listening');
  srv.portForward.set('shop', 'agent-pod', 9742, { port: (dead.address() as AddressInfo).port });
  await new Promise((r) => dead.close(r)); // now nothing listens there

  const err = collector();
  const { ws, error } = await forward(srv.kc, 'agent-pod', 9742, err);
  const errText = () => err.text;
  t.equal(error, undefined, 'portForward() resolved despite the dead backend');
  const code = await new Promise<number>((r) => ws!.on('close', r));
  t.equal(code, 1000, 'server closed the WebSocket normally after the error');
  t.match(errText(), /^error forwarding port 9742 to pod [0-9a-f]{64}, uid : failed to execute portforward .*connect: connection refused/);
  t.equal(srv.portForward.log[0]?.errors[0], errText());
  await srv.portForward.waitForOpen(0);

  srv.portForward.clear('shop', 'agent-pod');
  const tun = await tunnel(srv.kc, defer); // unmapped port == nothing listening; the bridged tunnel fails the request
  await t.rejects(fetch(`${tun.url}/hello/x`));
  await until(() => /connection refused/.test(tun.errText()), 'error text on the tunnel err stream');
  await srv.portForward.waitForOpen(0);
});

t.test('close semantics of client-node (unbridged): it never ends the local socket, destroy() leaks the WebSocket', async (t) => {
  const { srv, defer } = await setup(t);
  const tun = await tunnel(srv.kc, defer, { bridge: false });
  const client = connect(tun.port, '127.0.0.1');
  let [got, ended] = ['', false];
  client.on('data', (d) => (got += d.toString())).on('end', () => (ended = true));
  client.write('GET /close/x HTTP/1.1\r\nHost: agent\r\n\r\n');
  await until(() => got.includes('close x'), 'response through the tunnel');
  await until(() => tun.wss[0]?.readyState === 3, 'server closed the WebSocket after the agent closed');
  await srv.portForward.waitForOpen(0);
  await sleep(200);
  t.equal(ended, false, 'QUIRK: the local socket was NOT ended; a client would wait forever');
  client.destroy();

  const c2 = connect(tun.port, '127.0.0.1');
  await until(() => tun.wss.length === 2, 'second tunnel');
  c2.end(); // FIN -> 'end' on the accepted socket -> client-node closes the WebSocket itself
  await srv.portForward.waitForOpen(0);

  const c3 = connect(tun.port, '127.0.0.1');
  c3.on('error', () => {});
  await until(() => tun.wss.length === 3 && tun.accepted.size > 0, 'third tunnel');
  for (const s of tun.accepted) s.destroy(); // local teardown without 'end'
  await sleep(200);
  t.equal(srv.portForward.open(), 1, 'QUIRK: destroying the local socket leaves the WebSocket open');
  must(tun.wss[2], 'the third tunnel\'s WebSocket').close();
  await srv.portForward.waitForOpen(0);
  c3.destroy();
});

t.test('hooks: setLatency, setDown (503 / reset) kills sessions, close() leaves nothing open', async (t) => {
  const { srv, agentConns } = await setup(t);
  srv.setLatency(300);
  const t0 = Date.now();
  (await forward(srv.kc)).ws!.close();
  t.ok(Date.now() - t0 >= 290, 'upgrade delayed by setLatency');
  srv.setLatency(0);

  const live = await forward(srv.kc);
  await srv.portForward.waitForOpen(1);
  const closed = new Promise<number>((r) => live.ws!.on('close', r));
  srv.setDown(true);
  t.equal(await closed, 1006, 'open session killed (no close frame)');
  await srv.portForward.waitForOpen(0);
  t.equal((await forward(srv.kc)).error?.message, 'Unexpected server response: 503');
  srv.setDown(true, 'reset');
  t.match((await forward(srv.kc)).error?.message, /socket hang up|ECONNRESET|disconnected/);
  srv.setDown(false);

  await Promise.all([forward(srv.kc), forward(srv.kc)]);
  await srv.portForward.waitForOpen(2);
  await srv.close();
  t.equal(srv.portForward.open(), 0, 'close() destroyed every session');
  t.ok(srv.portForward.log.every((r) => r.closedAt), 'records closed');
  await until(() => agentConns() === 0, 'agent connections closed');
});

t.test('wire: port prefix on data+error channels, multi-port, base64 protocol, POST, negotiation', async (t) => {
  const { srv } = await setup(t);
  const port = (n: number) => Buffer.from([n & 0xff, n >> 8]);
  const a = await rawUpgrade(srv, `${PF_PATH}?ports=9742,9743`, { protocols: ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io'] });
  t.equal(a.status, 101);
  t.equal(a.headers['sec-websocket-protocol'], 'v4.channel.k8s.io');
  const first = await Promise.all([a.next(), a.next(), a.next(), a.next(), a.next()]);
  t.same(first.slice(0, 4).map((f) => [f!.opcode, ...f!.payload]), [[2, 0, ...port(9742)], [2, 1, ...port(9742)], [2, 2, ...port(9743)], [2, 3, ...port(9743)]]);
  t.match(first[4]!.payload.subarray(1).toString(), /^error forwarding port 9743 to pod /, 'unmapped second port: error on channel 3');
  t.equal(first[4]!.payload[0], 3);
  a.send(2, Buffer.concat([Buffer.from([0]), Buffer.from('GET /hello/raw HTTP/1.0\r\n\r\n')]));
  let body = '';
  for (let f = await a.next(); f && f.opcode !== 8; f = await a.next()) if (f.payload[0] === 0) body += f.payload.subarray(1).toString();
  t.match(body, /^HTTP\/1\.1 200 OK[\s\S]*hello raw$/);
  a.close();

  const b = await rawUpgrade(srv, `${PF_PATH}?ports=9742`, { method: 'POST', protocols: ['v4.base64.channel.k8s.io'] });
  t.equal(b.headers['sec-websocket-protocol'], 'v4.base64.channel.k8s.io');
  const bf = [await b.next(), await b.next()];
  t.same(bf.map((f) => [f!.opcode, f!.payload.toString()]), [[1, '0' + port(9742).toString('base64')], [1, '1' + port(9742).toString('base64')]]);
  b.send(1, '0' + Buffer.from('GET /hello/b64 HTTP/1.0\r\n\r\n').toString('base64'));
  let text = '';
  for (let f = await b.next(); f && f.opcode !== 8; f = await b.next()) text += Buffer.from(f.payload.toString().slice(1), 'base64').toString();
  t.match(text, /hello b64$/);
  b.close();

  const none = await rawUpgrade(srv, `${PF_PATH}?ports=9742`);
  t.equal(none.status, 101);
  t.equal(none.headers['sec-websocket-protocol'], undefined, 'no subprotocol offered: plain binary framing');
  none.close();
  const v5 = await rawUpgrade(srv, `${PF_PATH}?ports=9742`, { protocols: ['v5.channel.k8s.io'] });
  t.match([v5.status, JSON.parse(v5.body).message], [400, /^requested protocol\(s\) are not supported/]);
  t.match(JSON.parse((await rawUpgrade(srv, PF_PATH)).body), { code: 400, message: 'query parameter "ports" is required' });
  t.match((await rawRequest(srv, 'POST', `${PF_PATH}?ports=9742`)).json(), { code: 400, message: 'Upgrade request required' });
  await srv.portForward.waitForOpen(0);
});
