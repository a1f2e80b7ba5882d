// Proves the fake API server speaks the real wire format, using the real @kubernetes/client-node 1.4 client.
//
// What client-node 1.4's informer (dist/cache.js ListWatch + dist/watch.js) does, and so what the agent must do:
//  * Watch stream ends cleanly (server timeout, apiserver closing it): informer re-watches from its last
//    resourceVersion by itself ('connect' fires again, no relist).
//  * ERROR event with code 410 (Expired) on the stream, or a watch answered with HTTP 410: it clears its
//    resourceVersion and, when the stream ends, relists; pods that vanished meanwhile get 'delete' callbacks.
//  * ANY other failure — stream cut mid-body (node-fetch "Premature close", ERR_STREAM_PREMATURE_CLOSE),
//    connection refused/reset, non-200 watch response (401/403/5xx), or the list call rejecting (ApiException) —
//    fires 'error' and the informer STOPS for good. The agent MUST restart it itself: on 'error', wait (backoff)
//    and call `informer.start()`. start() keeps the cache and resumes watching from the last resourceVersion
//    (relisting only if that then yields 410). `informer.stop()` also fires 'error' (an AbortError) — ignore
//    errors after you stopped it.
//  * The watch has no client-side timeout (the 30s AbortSignal in watch.js is overwritten) and sends no
//    timeoutSeconds, so a silently dead connection can hang forever; consider a periodic restart/resync.
//  * Objects from the list are deserialised V1Pods (Date instances for timestamps), objects from watch events are
//    raw JSON (timestamps are strings): normalise before comparing or storing.
import t from 'tap';
import {
  AuthenticationV1Api, AuthorizationV1Api, CoreV1Api, KubeConfig, makeInformer, type ApiException, type V1Pod,
} from '@kubernetes/client-node';
import {
  DEFAULT_AUDIENCE, makePod, rawRequest, rawWatch, startFakeApiServer, type FakeApiServer, type FakeApiServerOptions,
} from './index.js';
import { must } from '../helpers/must.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

type Teardown = { teardown(fn: () => unknown): void };

/** One server per subtest; a single teardown stops informers first, then closes the server (runs even on failure). */
async function setup(t: Teardown, opts?: FakeApiServerOptions) {
  const srv = await startFakeApiServer(opts);
  const cleanups: Array<() => unknown> = [];
  t.teardown(async () => {
    for (const c of cleanups.reverse()) await c();
    await srv.close();
  });
  return { srv, api: srv.kc.makeApiClient(CoreV1Api), defer: (fn: () => unknown) => void cleanups.push(fn) };
}

/** A node-scoped pod informer like the agent's; with restartOnError it restarts itself on 'error' like the agent must. */
function nodeInformer(srv: FakeApiServer, defer: (fn: () => unknown) => void, opts: { restartOnError?: boolean } = {}) {
  const api = srv.kc.makeApiClient(CoreV1Api);
  const inf = makeInformer<V1Pod>(srv.kc, '/api/v1/pods?fieldSelector=spec.nodeName=node-a',
    () => api.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=node-a' }));
  const events: string[] = [];
  const errors: Array<{ code?: unknown; message?: string }> = [];
  let connects = 0;
  let stopped = false;
  const id = (p: V1Pod) => `${p.metadata?.namespace}/${p.metadata?.name}`;
  inf.on('add', (p) => events.push(`add ${id(p)}`));
  inf.on('update', (p) => events.push(`update ${id(p)}`));
  inf.on('delete', (p) => events.push(`delete ${id(p)}`));
  inf.on('connect', () => connects++);
  inf.on('error', (err) => {
    if (stopped) return;
    errors.push(err as { code?: unknown; message?: string });
    if (opts.restartOnError) setTimeout(() => void (stopped || inf.start()), 50);
  });
  defer(async () => {
    stopped = true;
    await inf.stop();
  });
  return {
    inf, events, errors, connects: () => connects,
    names: () => inf.list().map((p) => id(p)).sort(),
  };
}

t.test('kubeconfig: TLS with embedded CA, bearer token, default namespace', async (t) => {
  const { srv, api } = await setup(t);
  t.match(srv.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  t.equal(srv.kc.getCurrentCluster()?.server, srv.url);
  t.equal(srv.kc.getContextObject(srv.kc.getCurrentContext())?.namespace, 'nsinspect');
  t.equal(srv.kc.getCurrentUser()?.token, 'fake-agent-token');
  t.same((await api.listPodForAllNamespaces()).items, []);

  // Same server, unknown token: 401 Status (client-node throws ApiException code 401).
  const bad = srv.writeKubeconfig(`${srv.dir}/bad.kubeconfig`, { token: 'nope' });
  const err = await bad.makeApiClient(CoreV1Api).listPodForAllNamespaces().catch((e: ApiException<unknown>) => e);
  t.equal((err as ApiException<unknown>).code, 401);
  const raw = await rawRequest(srv, 'GET', '/api/v1/pods', { token: 'nope' });
  t.same(raw.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });

  // In-cluster style: loadFromCluster(prefix) with KUBERNETES_SERVICE_HOST/PORT.
  const { env } = srv.writeServiceAccount(`${srv.dir}/root`);
  const saved = { KUBERNETES_SERVICE_HOST: process.env.KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT: process.env.KUBERNETES_SERVICE_PORT };
  t.teardown(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  Object.assign(process.env, env);
  const inCluster = new KubeConfig();
  inCluster.loadFromCluster(`${srv.dir}/root`);
  t.equal(inCluster.getContextObject(inCluster.getCurrentContext())?.namespace, 'nsinspect');
  t.same((await inCluster.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'x' })).items, []);
});

t.test('list pods with field and label selectors; real pod shapes', async (t) => {
  const { srv, api } = await setup(t);
  srv.pods.add(makePod({
    name: 'web', namespace: 'shop', nodeName: 'node-a', labels: { app: 'web' },
    containers: ['nginx', 'sidecar'], shareProcessNamespace: true, hostUsers: false,
    ephemeralContainers: [{ name: 'debugger-x1', targetContainerName: 'nginx' }],
  }));
  srv.pods.add(makePod({ name: 'agent', namespace: 'nsinspect', nodeName: 'node-a', labels: { 'app.kubernetes.io/name': 'nsinspect' }, hostPID: true }));
  srv.pods.add(makePod({ name: 'other', namespace: 'shop', nodeName: 'node-b' }));
  srv.pods.add(makePod({ name: 'pending', namespace: 'shop', phase: 'Pending' }));

  const onA = await api.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=node-a' });
  t.same(onA.items.map((p) => p.metadata?.name), ['agent', 'web']);
  t.equal(onA.metadata?.resourceVersion, String(srv.pods.resourceVersion()));
  const web = onA.items.find((p) => p.metadata?.name === 'web')!;
  t.equal(web.spec?.shareProcessNamespace, true);
  t.equal(web.spec?.hostUsers, false);
  t.equal(web.spec?.ephemeralContainers?.[0]?.targetContainerName, 'nginx');
  t.equal(web.status?.phase, 'Running');
  for (const s of [...web.status!.containerStatuses!, ...web.status!.ephemeralContainerStatuses!]) {
    t.match(s.containerID, /^containerd:\/\/[0-9a-f]{64}$/);
    t.ok(s.state?.running?.startedAt instanceof Date, 'list items are deserialised: startedAt is a Date');
  }
  t.match(web.metadata, { uid: /^[0-9a-f-]{36}$/, resourceVersion: /^\d+$/, labels: { app: 'web' } });

  const both = await api.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=node-a,metadata.name=web' });
  t.same(both.items.map((p) => p.metadata?.name), ['web']);
  const unscheduled = await api.listNamespacedPod({ namespace: 'shop', fieldSelector: 'spec.nodeName=' });
  t.same(unscheduled.items.map((p) => p.metadata?.name), ['pending']);
  t.equal(unscheduled.items[0]?.status?.containerStatuses?.[0]?.containerID, undefined);
  const byLabel = await api.listNamespacedPod({ namespace: 'nsinspect', labelSelector: 'app.kubernetes.io/name=nsinspect' });
  t.same(byLabel.items.map((p) => p.spec?.hostPID), [true]);
  t.same((await api.listPodForAllNamespaces({ labelSelector: 'app in (web,db),!missing' })).items.map((p) => p.metadata?.name), ['web']);

  // Wire details: list items carry no kind/apiVersion; unsupported field selector is a 400 Status.
  const raw = await rawRequest(srv, 'GET', '/api/v1/namespaces/shop/pods?fieldSelector=metadata.name%3Dweb');
  t.match(raw.headers['content-type'], 'application/json');
  t.match(raw.json(), { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: /^\d+$/ } });
  t.notOk('kind' in raw.json().items[0]);
  const badSel = await rawRequest(srv, 'GET', '/api/v1/pods?fieldSelector=spec.bogus%3Dx');
  t.match(badSel.json(), { kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400, message: 'field label not supported: spec.bogus' });
  t.equal(badSel.status, 400);
  t.equal(srv.requestCounts()['GET /api/v1/pods'], 4, 'cluster-wide lists logged');
});

t.test('get pod, 404/405/400 Status shapes, latency, down', async (t) => {
  const { srv, api } = await setup(t);
  srv.pods.add(makePod({ name: 'web', nodeName: 'node-a' }));
  const pod = await api.readNamespacedPod({ namespace: 'default', name: 'web' });
  t.equal(pod.kind, 'Pod');
  t.equal(pod.apiVersion, 'v1');

  const err = (await api.readNamespacedPod({ namespace: 'default', name: 'x' }).catch((e: unknown) => e)) as ApiException<string>;
  t.equal(err.code, 404);
  // client-node hands the Status body over as a JSON string.
  t.same(JSON.parse(err.body), {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "x" not found', reason: 'NotFound',
    details: { name: 'x', kind: 'pods' }, code: 404,
  });
  const unknown = await rawRequest(srv, 'GET', '/apis/apps/v1/deployments');
  t.equal(unknown.status, 404);
  t.match(unknown.json(), { kind: 'Status', reason: 'NotFound', code: 404 });
  t.match((await rawRequest(srv, 'DELETE', '/api/v1/namespaces/default/pods/web')).json(), { reason: 'MethodNotAllowed', code: 405 });
  const badJson = await rawRequest(srv, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { body: '{"spec":' });
  t.equal(badJson.status, 400);
  t.match(badJson.json(), { kind: 'Status', reason: 'BadRequest', code: 400, message: /json parse error/ });
  t.match(badJson.headers['content-type'], 'application/json');

  srv.setLatency(150);
  const t0 = Date.now();
  await api.readNamespacedPod({ namespace: 'default', name: 'web' });
  t.ok(Date.now() - t0 >= 140, 'latency applied');
  srv.setLatency(0);

  srv.setDown(true);
  t.equal(((await api.listPodForAllNamespaces().catch((e: unknown) => e)) as ApiException<unknown>).code, 503);
  srv.setDown(true, 'reset');
  t.match(await api.listPodForAllNamespaces().catch((e: unknown) => e), { message: /ECONNRESET|socket hang up|disconnected/ });
  srv.setDown(false);
  t.equal((await api.listPodForAllNamespaces()).items.length, 1);
});

t.test('raw watch wire format: replay, bookmarks, 410 Expired, timeoutSeconds', async (t) => {
  const { srv } = await setup(t, { historyLimit: 3 });
  const a = srv.pods.add(makePod({ name: 'a', nodeName: 'node-a' }));
  const rv0 = Number(a.metadata.resourceVersion);

  const w = await rawWatch(srv, `/api/v1/pods?watch=true&resourceVersion=${rv0 - 1}&allowWatchBookmarks=true&fieldSelector=spec.nodeName%3Dnode-a`);
  t.teardown(() => w.close());
  t.equal(w.status, 200);
  t.equal(w.headers['content-type'], 'application/json');
  t.equal(w.headers['transfer-encoding'], 'chunked');
  t.match(await w.next(), { type: 'ADDED', object: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'a', resourceVersion: String(rv0) } } });
  srv.pods.update('default', 'a', (p) => void (p.metadata.labels = { x: 'y' }));
  t.match(await w.next(), { type: 'MODIFIED', object: { metadata: { labels: { x: 'y' } } } });
  srv.pods.add(makePod({ name: 'b', nodeName: 'node-b' })); // filtered out
  srv.bookmark();
  t.match(await w.next(), { type: 'BOOKMARK', object: { kind: 'Pod', metadata: { resourceVersion: String(srv.pods.resourceVersion()) }, spec: { containers: null } } });
  srv.pods.delete('default', 'a');
  t.match(await w.next(), { type: 'DELETED', object: { metadata: { name: 'a', resourceVersion: String(srv.pods.resourceVersion()) } } });

  // History holds 3 events; rv0-1 now needs 5 -> 410 ERROR event, then a clean end of stream.
  const old = await rawWatch(srv, `/api/v1/pods?watch=1&resourceVersion=${rv0 - 1}`);
  t.equal(old.status, 200);
  t.same(await old.next(), {
    type: 'ERROR',
    object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${rv0 - 1} (${rv0})`, reason: 'Expired', code: 410 },
  });
  t.equal(await old.next(), undefined);
  t.equal(await old.ended, 'end');

  // No resourceVersion: current state as ADDED first; timeoutSeconds ends the stream cleanly.
  const cur = await rawWatch(srv, '/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=1');
  t.match(await cur.next(), { type: 'ADDED', object: { metadata: { name: 'b' } } });
  t.equal(await cur.ended, 'end');

  srv.expireHistory();
  const afterExpire = await rawWatch(srv, `/api/v1/pods?watch=true&resourceVersion=${srv.pods.resourceVersion() - 1}`);
  t.match(await afterExpire.next(), { type: 'ERROR', object: { code: 410, reason: 'Expired' } });
  t.equal(srv.watchCount(), 1, 'only the first watch is still open');
  t.equal(srv.dropWatches('destroy'), 1);
  t.equal(await w.ended, 'aborted');
});

t.test('informer sees add/update/delete and selector transitions', async (t) => {
  const { srv, defer } = await setup(t);
  srv.pods.add(makePod({ name: 'pre', nodeName: 'node-a' }));
  const r = nodeInformer(srv, defer);
  await r.inf.start();
  await srv.waitForWatches(1);
  t.same(r.events, ['add default/pre']);

  srv.pods.add(makePod({ name: 'web', namespace: 'shop', nodeName: 'node-a' }));
  srv.pods.add(makePod({ name: 'elsewhere', nodeName: 'node-b' }));
  srv.pods.add(makePod({ name: 'sched', phase: 'Pending' }));
  srv.pods.addEphemeralContainer('shop', 'web', { name: 'debugger', targetContainerName: 'app' });
  srv.pods.update('default', 'sched', (p) => void (p.spec.nodeName = 'node-a')); // scheduled onto node-a -> ADDED
  srv.pods.delete('shop', 'web', { graceful: true });
  await until(() => r.events.includes('delete shop/web'), 'delete');
  t.same(r.events, ['add default/pre', 'add shop/web', 'update shop/web', 'add default/sched', 'update shop/web', 'delete shop/web']);
  t.same(r.names(), ['default/pre', 'default/sched']);
  const watched = r.inf.get('pre', 'default');
  t.ok(watched, 'cache get works');
  t.equal(srv.requestCounts()['GET /api/v1/pods'], 1, 'one list');
  t.same(r.errors, []);
});

t.test('informer: clean stream end re-watches alone; abrupt drop needs the agent to restart it', async (t) => {
  const { srv, defer } = await setup(t);
  const r = nodeInformer(srv, defer, { restartOnError: true });
  await r.inf.start();
  await srv.waitForWatches(1);

  srv.dropWatches('end');
  await until(() => srv.watchesStarted() === 2 && srv.watchCount() === 1, 're-watch after clean end');
  t.same(r.errors, [], 'clean end is not an error');
  srv.pods.add(makePod({ name: 'p1', nodeName: 'node-a' }));
  await until(() => r.events.includes('add default/p1'), 'p1 after clean re-watch');

  srv.pauseWatches(); // hold the restart's watch so changes land "in the gap"
  srv.dropWatches('destroy');
  await until(() => r.errors.length === 1, "'error' after abrupt drop");
  t.match(r.errors[0], { code: 'ERR_STREAM_PREMATURE_CLOSE' });
  srv.pods.add(makePod({ name: 'p2', nodeName: 'node-a' }));
  srv.pods.delete('default', 'p1');
  srv.resumeWatches();
  await until(() => r.events.includes('delete default/p1') && r.events.includes('add default/p2'), 'gap events replayed');
  t.equal(srv.requestCounts()['GET /api/v1/pods'], 1, 'restart resumed from the last resourceVersion without relisting');
  t.same(r.names(), ['default/p2']);
});

t.test('informer recovers from 410 Expired by relisting', async (t) => {
  const { srv, defer } = await setup(t);
  srv.pods.add(makePod({ name: 'gone', nodeName: 'node-a' }));
  const r = nodeInformer(srv, defer);
  await r.inf.start();
  await srv.waitForWatches(1);

  // Resume with a stale RV: the re-watch is held while the state changes and history is compacted.
  srv.pauseWatches();
  srv.dropWatches('end');
  await until(() => srv.requestCounts()['WATCH /api/v1/pods'] === 2, 'held re-watch');
  srv.pods.delete('default', 'gone');
  srv.pods.add(makePod({ name: 'new', nodeName: 'node-a' }));
  srv.expireHistory();
  srv.resumeWatches();
  await until(() => srv.requestCounts()['GET /api/v1/pods'] === 2, 'relist after 410');
  await until(() => r.events.includes('delete default/gone') && r.events.includes('add default/new'), 'relist diff');
  await srv.waitForWatches(1);
  t.same(r.errors, [], '410 is handled inside the informer');

  // 410 sent on an open stream (closeWatches) behaves the same.
  srv.pods.add(makePod({ name: 'later', nodeName: 'node-a' }));
  await until(() => r.events.includes('add default/later'), 'later');
  srv.expireHistory({ closeWatches: true });
  await until(() => srv.requestCounts()['GET /api/v1/pods'] === 3, 'second relist');
  await srv.waitForWatches(1);
  t.same(r.names(), ['default/later', 'default/new']);
  t.same(r.errors, []);
});

t.test('informer with restart-on-error rides out an API server outage', async (t) => {
  const { srv, defer } = await setup(t);
  const r = nodeInformer(srv, defer, { restartOnError: true });
  await r.inf.start();
  await srv.waitForWatches(1);
  srv.setDown(true); // 503 + open watches cut
  await until(() => r.errors.length >= 3, 'several failed restarts while down');
  srv.pods.add(makePod({ name: 'during', nodeName: 'node-a' }));
  srv.setDown(false);
  await until(() => r.events.includes('add default/during'), 'recovered');
  await srv.waitForWatches(1);
  t.ok(r.errors.some((e) => e.code === 503 || e.code === 'ERR_STREAM_PREMATURE_CLOSE'));
});

t.test('TokenReview round trip', async (t) => {
  const { srv } = await setup(t);
  srv.auth.addUser('alice-token', { username: 'alice', uid: 'u-1', groups: ['devs', 'system:authenticated'] });
  const authn = srv.kc.makeApiClient(AuthenticationV1Api);

  const ok = await authn.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'alice-token' } } });
  t.equal(ok.status?.authenticated, true);
  t.same(ok.status?.user, { username: 'alice', uid: 'u-1', groups: ['devs', 'system:authenticated'] });

  // Like the real server, `authenticated` is omitted (not false) for a bad token.
  const bad = await authn.createTokenReview({ body: { spec: { token: 'stolen' } } });
  t.notOk(bad.status?.authenticated);
  t.match(bad.status?.error, /invalid bearer token/);

  const aud = await authn.createTokenReview({ body: { spec: { token: 'alice-token', audiences: ['nsinspect'] } } });
  t.notOk(aud.status?.authenticated, 'audience mismatch');

  // The caller itself must authenticate.
  const anon = srv.writeKubeconfig(`${srv.dir}/anon`, { token: 'not-registered' }).makeApiClient(AuthenticationV1Api);
  t.equal(((await anon.createTokenReview({ body: { spec: { token: 'alice-token' } } }).catch((e: unknown) => e)) as ApiException<unknown>).code, 401);

  t.match(srv.auth.tokenReviews, [
    { token: 'alice-token', authenticated: true, username: 'alice', caller: 'system:serviceaccount:nsinspect:nsinspect' },
    { token: 'stolen', authenticated: false },
    { token: 'alice-token', audiences: ['nsinspect'], authenticated: false },
  ]);
  t.equal(srv.auth.tokenReviews.length, 3);
});

t.test('TokenReview audiences as kube-apiserver: the server\'s own by default, the intersection when asked', async (t) => {
  const { srv } = await setup(t);
  const authn = srv.kc.makeApiClient(AuthenticationV1Api);
  const review = (token: string, audiences?: string[]) => authn.createTokenReview({ body: { spec: { token, ...(audiences ? { audiences } : {}) } } });
  srv.auth.addUser('static-token', { username: 'static', groups: [] });

  const plain = await review('static-token');
  t.same(plain.status?.audiences, [DEFAULT_AUDIENCE], 'no audiences asked: status.audiences is the API server\'s');

  // A token minted for nsinspect only (kubectl create token --audience nsinspect), over HTTP.
  srv.auth.addServiceAccount('shop', 'ci');
  const core = srv.kc.makeApiClient(CoreV1Api);
  const tr = await core.createNamespacedServiceAccountToken({ namespace: 'shop', name: 'ci', body: { spec: { audiences: ['nsinspect'], expirationSeconds: 600 } } });
  const token = tr.status?.token as string;
  t.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'JWT-shaped');
  const claims = JSON.parse(Buffer.from(must(token.split('.')[1], 'a JWT payload'), 'base64url').toString());
  t.same(claims.aud, ['nsinspect']);
  t.equal(claims.sub, 'system:serviceaccount:shop:ci');
  t.ok(Math.abs(claims.exp - (Date.now() / 1000 + 600)) < 60, 'exp is 10 minutes out');
  t.ok(tr.status?.expirationTimestamp, 'expirationTimestamp set');

  t.notOk((await review(token)).status?.authenticated, 'an nsinspect token is no API-server token');
  const both = await review(token, ['other', 'nsinspect']);
  t.equal(both.status?.authenticated, true);
  t.same(both.status?.audiences, ['nsinspect'], 'status.audiences is the intersection');
  t.match(both.status?.user, { username: 'system:serviceaccount:shop:ci', groups: ['system:serviceaccounts', 'system:serviceaccounts:shop', 'system:authenticated'] });
  t.notOk((await review('static-token', ['nsinspect'])).status?.authenticated, 'an API-server token is no nsinspect token');
  t.notOk((await review(srv.auth.createToken('shop', 'ci'), ['nsinspect'])).status?.authenticated, 'default audience: the API server only');
  t.equal((await review(srv.auth.createToken('shop', 'ci'))).status?.authenticated, true);

  // Calling the API server with it: 401, as the real server's authenticator wants its own audience.
  const asNsinspect = srv.writeKubeconfig(`${srv.dir}/aud`, { token }).makeApiClient(CoreV1Api);
  t.equal(((await asNsinspect.listPodForAllNamespaces().catch((e: unknown) => e)) as ApiException<unknown>).code, 401);

  // Expired tokens fail review and calls alike.
  srv.auth.addUser('old-token', { username: 'old', expiresAt: Date.now() - 1000 });
  t.match((await review('old-token')).status, { error: /expired/ });
  t.notOk((await review('old-token')).status?.authenticated);

  // TokenRequest validation and lookup, with the real messages.
  const tooShort = await rawRequest(srv, 'POST', '/api/v1/namespaces/shop/serviceaccounts/ci/token', { body: { spec: { expirationSeconds: 60 } } });
  t.match(tooShort.json(), { code: 422, reason: 'Invalid', message: /less than 10 minutes/ });
  const missing = await rawRequest(srv, 'POST', '/api/v1/namespaces/shop/serviceaccounts/ghost/token', { body: { spec: {} } });
  t.match(missing.json(), { code: 404, message: 'serviceaccounts "ghost" not found' });
  const dflt = await rawRequest(srv, 'POST', '/api/v1/namespaces/nsinspect/serviceaccounts/nsinspect/token', { body: { spec: {} } });
  t.match(dflt.json(), { spec: { audiences: [DEFAULT_AUDIENCE], expirationSeconds: 3600 } }, 'the agent\'s own SA exists; defaults as the real server');
});

t.test('TokenRequest under enforceRbac needs create serviceaccounts/token on that account', async (t) => {
  const { srv } = await setup(t, { enforceRbac: true });
  srv.auth.addServiceAccount('shop', 'ci');
  const path = '/api/v1/namespaces/shop/serviceaccounts/ci/token';
  const denied = await rawRequest(srv, 'POST', path, { body: { spec: { audiences: ['nsinspect'] } } });
  t.equal(denied.status, 403);
  t.match(denied.json(), { reason: 'Forbidden', message: /cannot create resource "serviceaccounts\/token"/ });
  srv.auth.allow({ user: 'system:serviceaccount:nsinspect:nsinspect', verb: 'create', resource: 'serviceaccounts/token', namespace: 'shop', name: 'ci' });
  const ok = await rawRequest(srv, 'POST', path, { body: { spec: { audiences: ['nsinspect'] } } });
  t.equal(ok.status, 201);
  t.match(ok.json(), { kind: 'TokenRequest', status: { token: /\./ } });
  t.equal((await rawRequest(srv, 'GET', path)).status, 405);
});

t.test('non-resource SubjectAccessReview follows RBAC nonResourceURLs', async (t) => {
  const { srv } = await setup(t);
  srv.auth.allow({ group: 'scrapers', verb: 'get', nonResourceURLs: ['/metrics'] });
  srv.auth.allow({ user: 'dbg', verb: '*', nonResourceURLs: ['/debug/*'] });
  srv.auth.allow({ user: 'admin', verb: '*', resource: '*' });
  t.throws(() => srv.auth.allow({ user: 'x', verb: 'get', resource: 'pods', nonResourceURLs: ['/x'] }), /exactly one/);
  const authz = srv.kc.makeApiClient(AuthorizationV1Api);
  const nr = async (user: string, groups: string[], path: string, verb = 'get') =>
    (await authz.createSubjectAccessReview({ body: { spec: { user, groups, nonResourceAttributes: { path, verb } } } })).status?.allowed;
  t.equal(await nr('prom', ['scrapers'], '/metrics'), true);
  t.equal(await nr('prom', ['scrapers'], '/metrics', 'post'), false, 'verb matters');
  t.equal(await nr('prom', ['scrapers'], '/metricsx'), false, 'exact path');
  t.equal(await nr('dbg', [], '/debug/pprof/heap'), true, 'trailing * is a prefix');
  t.equal(await nr('admin', [], '/metrics'), false, 'a resource rule grants no URL');
  const ra = await authz.createSubjectAccessReview({ body: { spec: { user: 'prom', groups: ['scrapers'], resourceAttributes: { verb: 'get', resource: 'pods' } } } });
  t.equal(ra.status?.allowed, false, 'a URL rule grants no resource');
  t.match(srv.auth.subjectAccessReviews[0], { allowed: true, spec: { nonResourceAttributes: { path: '/metrics', verb: 'get' } } });
});

t.test('SubjectAccessReview round trip and enforceRbac', async (t) => {
  const { srv } = await setup(t, { enforceRbac: true });
  const sa = 'system:serviceaccount:nsinspect:nsinspect';
  srv.auth.allow({ user: sa, verb: 'create', resource: 'subjectaccessreviews', apiGroup: 'authorization.k8s.io' });
  srv.auth.allow({ group: 'devs', verb: ['get', 'create'], resource: 'pods/ephemeralcontainers', namespace: 'shop' });
  srv.auth.allow({ user: 'bob', verb: '*', resource: 'pods', reason: 'bob is admin' });
  const authz = srv.kc.makeApiClient(AuthorizationV1Api);
  const review = (user: string, groups: string[], ra: Record<string, string>) =>
    authz.createSubjectAccessReview({ body: { spec: { user, groups, resourceAttributes: ra } } });

  const yes = await review('alice', ['devs'], { namespace: 'shop', verb: 'create', resource: 'pods', subresource: 'ephemeralcontainers', name: 'web' });
  t.equal(yes.status?.allowed, true);
  t.match(yes.status?.reason, /Group "devs"/);
  t.equal((await review('alice', ['devs'], { namespace: 'prod', verb: 'create', resource: 'pods', subresource: 'ephemeralcontainers' })).status?.allowed, false);
  t.equal((await review('alice', ['devs'], { namespace: 'shop', verb: 'get', resource: 'pods' })).status?.allowed, false, 'no subresource grant for pods');
  t.same((await review('bob', [], { namespace: 'x', verb: 'list', resource: 'pods' })).status, { allowed: true, reason: 'bob is admin' });
  t.equal((await review('bob', [], { verb: 'get', resource: 'pods', subresource: 'exec' })).status?.allowed, false);
  t.equal(srv.auth.subjectAccessReviews.length, 5);
  t.match(srv.auth.subjectAccessReviews[0], { allowed: true, caller: sa, spec: { user: 'alice', groups: ['devs'], resourceAttributes: { subresource: 'ephemeralcontainers', name: 'web' } } });

  const invalid = await rawRequest(srv, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { body: { spec: { resourceAttributes: { verb: 'get' } } } });
  t.match(invalid.json(), { kind: 'Status', reason: 'Invalid', code: 422 });

  // enforceRbac: the SA may not list pods or create tokenreviews -> 403 with the real message.
  const forbidden = await rawRequest(srv, 'GET', '/api/v1/pods');
  t.equal(forbidden.status, 403);
  t.match(forbidden.json(), { reason: 'Forbidden', message: `pods is forbidden: User "${sa}" cannot list resource "pods" in API group "" at the cluster scope` });
  const tr = await rawRequest(srv, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { body: { spec: { token: 'x' } } });
  t.match(tr.json(), { code: 403, message: /tokenreviews\.authentication\.k8s\.io is forbidden/ });
});
