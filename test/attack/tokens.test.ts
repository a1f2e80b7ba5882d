// Attack: floods of random tokens against a real agent and the fake API server (bounded TokenReviews,
// good users unaffected, tokens never logged), and audience-narrowed tokens (--token-audience).
import t, { type Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { buildAgent, type Agent } from '../../agent/server/compose.js';
import { FAILURE_LIMITS } from '../../agent/server/authn-limit.js';
import { apiServerFor, NODE } from '../helpers/cluster.js';
import type { FakeApiServer } from '../fake-apiserver/index.js';

/** An agent in-process against `srv`, its JSON log lines collected; closed at teardown. */
async function agentWithLog(t: Test, srv: FakeApiServer, tokenAudience?: string): Promise<{ agent: Agent; log: string[] }> {
  const log: string[] = [];
  const agent = await buildAgent(
    { kubeconfig: srv.kubeconfigPath, nodeName: NODE, auth: 'kubernetes', metricsContainerInodes: false, nodeScanIntervalMs: 60_000, ...(tokenAudience ? { tokenAudience } : {}) },
    { level: 'info', stream: { write: (line: string) => void log.push(line) } },
  );
  t.teardown(() => agent.close());
  return { agent, log };
}

const URL = '/v1/containers'; // node-level: get nodes/proxy (admin-token has it)

async function call(agent: Agent, token: string, remoteAddress = '127.0.0.1'): Promise<number> {
  return (await agent.app.inject({ method: 'GET', url: URL, remoteAddress, headers: { authorization: `Bearer ${token}` } })).statusCode;
}

t.test('5,000 random tokens: bounded TokenReviews, good users keep their 200s, no token in the log', async (t) => {
  const srv = await apiServerFor(t);
  srv.auth.addUser('admin2-token', { username: 'node-admin', groups: ['system:authenticated'] });
  const { agent, log } = await agentWithLog(t, srv);
  const good = ['admin-token', 'admin2-token'];
  for (const g of good) t.equal(await call(agent, g), 200, `${g} before the flood`);
  const trBefore = srv.auth.tokenReviews.length;
  t.equal(trBefore, 2);

  // Through a port-forward every client is 127.0.0.1: the flood and the good users share an address.
  const started = performance.now();
  const statuses: Record<number, number> = {};
  const random: string[] = [];
  let goodOk = 0;
  for (let i = 0; i < 5_000; i++) {
    const token = randomBytes(24).toString('base64url');
    if (i < 50) random.push(token);
    const s = await call(agent, token);
    statuses[s] = (statuses[s] ?? 0) + 1;
    if (i % 100 === 0) for (const g of good) if ((await call(agent, g)) === 200) goodOk++;
  }
  const seconds = (performance.now() - started) / 1000;
  const reviews = srv.auth.tokenReviews.length - trBefore;
  const bound = FAILURE_LIMITS.perAddress.burst + Math.ceil(seconds * FAILURE_LIMITS.perAddress.perSecond) + 1;
  t.comment(`5,000 random tokens in ${seconds.toFixed(1)} s: ${reviews} TokenReviews (bound ${bound}), statuses ${JSON.stringify(statuses)}`);
  t.ok(reviews <= bound, `TokenReviews bounded by the per-address bucket: ${reviews} <= ${bound}`);
  t.equal((statuses[401] ?? 0) + (statuses[429] ?? 0), 5_000, 'every random token: 401 or 429, never anything else');
  t.equal(statuses[401], reviews, 'a 401 for each reviewed token, 429 (no review) for the rest');
  t.equal(goodOk, 2 * 50, 'every interleaved good request answered 200');
  t.equal(srv.auth.tokenReviews.filter((r) => r.username === 'node-admin').length, 2, 'and no good token was reviewed again (not evicted)');

  // Another address is not locked out by this one; a 429 carries Retry-After.
  t.equal(await call(agent, 'viewer-token', '10.1.2.3'), 403, 'a new user from another address is reviewed (authenticated; then denied by RBAC)');
  // The bucket refills 2 reviews a second: one that came back since the flood's last request is spent
  // first (a 401), so a loaded machine gets a try or two more; a bucket that never empties fails this.
  const randomToken = () => agent.app.inject({ method: 'GET', url: URL, headers: { authorization: `Bearer ${randomBytes(24).toString('hex')}` } });
  let limited = await randomToken();
  for (let i = 0; limited.statusCode === 401 && i < 3; i++) limited = await randomToken();
  t.equal(limited.statusCode, 429, 'the flooding address is still limited');
  t.match(limited.json(), { error: { code: 'TOO_MANY', message: /too many failed authentications/ } });
  t.match(limited.headers['retry-after'], /^\d+$/);

  // Denials are logged, rate-limited, with route and client; tokens never.
  const denials = log.map((l) => JSON.parse(l)).filter((l) => l.component === 'auth');
  t.ok(denials.length >= 1 && denials.length <= 20 * (Math.ceil(seconds / 10) + 1), `denial lines rate-limited: ${denials.length}`);
  t.match(denials[0], { status: 401, route: '/v1/containers', client: '127.0.0.1' });
  const all = log.join('\n');
  for (const tok of [...random, ...good]) if (all.includes(tok)) t.fail(`a token is in the log: ${tok.slice(0, 6)}…`);
  t.notOk(/bearer/i.test(all.replace(/bearer token/gi, '')), 'no Authorization header in the log');
});

t.test('5,000 random tokens from 5,000 addresses: the overall bucket bounds TokenReviews', async (t) => {
  const srv = await apiServerFor(t);
  const { agent } = await agentWithLog(t, srv);
  t.equal(await call(agent, 'admin-token'), 200);
  const started = performance.now();
  let limited = 0;
  for (let i = 0; i < 5_000; i++) {
    const addr = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    if ((await call(agent, randomBytes(24).toString('base64url'), addr)) === 429) limited++;
  }
  const seconds = (performance.now() - started) / 1000;
  const reviews = srv.auth.tokenReviews.length - 1;
  const bound = FAILURE_LIMITS.overall.burst + Math.ceil(seconds * FAILURE_LIMITS.overall.perSecond) + 1;
  t.comment(`from 5,000 addresses in ${seconds.toFixed(1)} s: ${reviews} TokenReviews (bound ${bound}), ${limited} answered 429`);
  t.ok(reviews <= bound, `${reviews} <= ${bound}`);
  t.equal(await call(agent, 'admin-token'), 200, 'the good user is still served from the cache');
  t.equal(srv.auth.tokenReviews.filter((r) => r.token === 'admin-token').length, 1);
});

t.test('--token-audience: tokens minted for nsinspect work there and only there', async (t) => {
  const srv = await apiServerFor(t);
  srv.auth.addServiceAccount('ops', 'alice');
  srv.auth.allow({ user: 'system:serviceaccount:ops:alice', verb: 'get', resource: 'nodes/proxy', name: NODE });
  // kubectl create token alice -n ops --audience nsinspect / without --audience
  const forNsinspect = srv.auth.createToken('ops', 'alice', { audiences: ['nsinspect'] });
  const forApiServer = srv.auth.createToken('ops', 'alice');
  const narrow = (await agentWithLog(t, srv, 'nsinspect')).agent;
  const plain = (await agentWithLog(t, srv)).agent;

  t.equal(await call(narrow, forNsinspect), 200, 'an nsinspect token with --token-audience nsinspect');
  t.match(srv.auth.tokenReviews.at(-1), { audiences: ['nsinspect'], authenticated: true });
  t.equal(await call(plain, forNsinspect), 401, 'refused without the flag: the API server\'s audience only');
  t.equal(await call(narrow, forApiServer), 401, 'an API-server token refused by an nsinspect-audience agent');
  const refused = await narrow.app.inject({ method: 'GET', url: URL, headers: { authorization: `Bearer ${forApiServer}` } });
  t.match(refused.json(), { error: { code: 'UNAUTHENTICATED', message: 'the bearer token is invalid or expired', hint: /audience "nsinspect".*kubectl create token <service-account> --audience nsinspect/ } });
  t.notOk((await plain.app.inject({ method: 'GET', url: URL, headers: { authorization: 'Bearer nope' } })).json().error.hint, 'no hint without the flag');
  t.equal(await call(narrow, 'admin-token'), 401, 'a static API-server token too');
  t.equal(await call(plain, forApiServer), 200, 'and accepted as today without the flag');
});
