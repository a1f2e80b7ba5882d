// KubeReviewer against the fake API server, on an injected clock: token TTL capped by the JWT's exp,
// allowed decisions at most 10 s, failed tokens in their own cache, audiences, non-resource SARs.
import t, { type Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { startFakeApiServer } from '../../../fake-apiserver/index.js';
import { kubeconfigClient } from '../../../../agent/kube/client.js';
import { CACHE_ENTRIES, KubeReviewer, REFRESH_AHEAD_MS, TTL, jwtExpiry, type ReviewerOptions } from '../../../../agent/kube/reviewer.js';

/** Waits (at most 5 s) until the fake API server has seen n SubjectAccessReviews: a background refresh's answer. */
async function sarsReach(sars: () => number, n: number): Promise<number> {
  for (let i = 0; i < 500 && sars() < n; i++) await new Promise((r) => setTimeout(r, 10));
  // Let the reviewer store the answer it just got.
  await new Promise((r) => setTimeout(r, 20));
  return sars();
}

async function setup(t: Test, opts: Omit<ReviewerOptions, 'now'> = {}) {
  const srv = await startFakeApiServer();
  t.teardown(() => srv.close());
  srv.auth.addUser('alice-token', { username: 'alice', groups: ['system:authenticated'] });
  srv.auth.addServiceAccount('shop', 'ci');
  const clock = { ms: 1_000_000 };
  const reviewer = new KubeReviewer(await kubeconfigClient(srv.kubeconfigPath), { ...opts, now: () => clock.ms });
  const trs = () => srv.auth.tokenReviews.length;
  const sars = () => srv.auth.subjectAccessReviews.length;
  return { srv, reviewer, clock, trs, sars };
}

const jwtWith = (payload: unknown) => `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`;

t.test('jwtExpiry reads exp from a JWT payload and nothing else', async (t) => {
  t.equal(jwtExpiry(jwtWith({ exp: 1700000000 })), 1700000000_000);
  t.equal(jwtExpiry('alice-token'), undefined, 'not a JWT');
  t.equal(jwtExpiry(jwtWith({ exp: '1700000000' })), undefined, 'exp not a number');
  t.equal(jwtExpiry(jwtWith(null)), undefined, 'payload null');
  t.equal(jwtExpiry('a.!!!.c'), undefined, 'not base64url');
  t.equal(jwtExpiry('a.bm90IGpzb24.c'), undefined, 'not JSON');
  t.equal(jwtExpiry(jwtWith({ sub: 'x' })), undefined, 'no exp');
});

t.test('a token is never cached past its JWT exp; other tokens keep the normal TTL', async (t) => {
  const { srv, reviewer, clock, trs } = await setup(t);
  const jwt = srv.auth.createToken('shop', 'ci', { expirationSeconds: 60 }); // exp: one minute from now
  t.equal((await reviewer.authenticate(jwt))?.username, 'system:serviceaccount:shop:ci');
  t.equal((await reviewer.authenticate('alice-token'))?.username, 'alice');
  t.equal(trs(), 2);
  clock.ms += 55_000;
  await reviewer.authenticate(jwt);
  await reviewer.authenticate('alice-token');
  t.equal(trs(), 2, 'both cached before the exp');
  clock.ms += 10_000; // 65 s: past the JWT's exp, inside the 2 min TTL
  await reviewer.authenticate(jwt);
  await reviewer.authenticate('alice-token');
  t.equal(trs(), 3, 'the JWT is reviewed again (exp passed), the opaque token still cached');
  t.equal(srv.auth.tokenReviews.at(-1)?.token, jwt);
  clock.ms += TTL.token;
  await reviewer.authenticate('alice-token');
  t.equal(trs(), 4, 'the opaque token expires at the normal TTL');
});

t.test('a token whose exp has already passed by our clock is not cached at all', async (t) => {
  const srv = await startFakeApiServer();
  t.teardown(() => srv.close());
  srv.auth.addServiceAccount('shop', 'ci');
  // Our wall clock runs two hours ahead of the API server's: the token is past its exp for us.
  const reviewer = new KubeReviewer(await kubeconfigClient(srv.kubeconfigPath), { wallNow: () => Date.now() + 7_200_000 });
  const jwt = srv.auth.createToken('shop', 'ci');
  for (let i = 0; i < 3; i++) t.ok(await reviewer.authenticate(jwt), 'the API server still says yes');
  t.equal(srv.auth.tokenReviews.length, 3, 'one TokenReview each time');
});

t.test('an allowed decision lives at most 10 s: a revoked permission stops working', async (t) => {
  const { srv, reviewer, clock, sars } = await setup(t);
  srv.auth.allow({ user: 'alice', verb: 'create', resource: 'pods/exec', namespace: 'shop' });
  const alice = { username: 'alice', groups: ['system:authenticated'] };
  const exec = { verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web' };
  t.equal((await reviewer.authorize(alice, exec)).allowed, true);
  srv.auth.clearPolicy(); // the binding is deleted
  clock.ms += TTL.allowed - REFRESH_AHEAD_MS - 1;
  t.equal((await reviewer.authorize(alice, exec)).allowed, true, 'cached, not yet in its refresh window');
  t.equal(sars(), 1);
  clock.ms += REFRESH_AHEAD_MS;
  t.equal((await reviewer.authorize(alice, exec)).allowed, true, 'still served from the cache just before 10 s...');
  t.equal(await sarsReach(sars, 2), 2, '...and asked again in the background');
  t.equal((await reviewer.authorize(alice, exec)).allowed, false, 'the refreshed answer: denied, before the 10 s were up');
  clock.ms += 1;
  t.equal((await reviewer.authorize(alice, exec)).allowed, false, 'past 10 s: denied');
  t.equal(sars(), 2, 'a denial is not refreshed ahead');
  t.equal(TTL.allowed, 10_000);
  srv.auth.allow({ user: 'alice', verb: 'create', resource: 'pods/exec', namespace: 'shop' });
  clock.ms += TTL.denied - 2;
  t.equal((await reviewer.authorize(alice, exec)).allowed, false, 'a denial is cached 30 s');
  clock.ms += 1;
  t.equal((await reviewer.authorize(alice, exec)).allowed, true);
  t.equal(sars(), 3);
});

t.test('an allowed decision is never served past its TTL, even when its refresh failed', async (t) => {
  const { srv, reviewer, clock, sars } = await setup(t);
  srv.auth.allow({ user: 'alice', verb: 'get', resource: 'pods', namespace: 'shop' });
  const alice = { username: 'alice', groups: ['system:authenticated'] };
  const get = { verb: 'get', resource: 'pods', namespace: 'shop', name: 'web' };
  t.equal((await reviewer.authorize(alice, get)).allowed, true);
  await srv.close(); // the API server goes away: the refresh fails
  clock.ms += TTL.allowed - 1;
  t.equal((await reviewer.authorize(alice, get)).allowed, true, 'inside the TTL: served; the refresh fails quietly');
  await new Promise((r) => setTimeout(r, 100));
  clock.ms += 1;
  await t.rejects(reviewer.authorize(alice, get), 'past the TTL: asked again, and the failure reaches the caller');
  t.equal(sars(), 1);
});

t.test('concurrent requests for one question share one SubjectAccessReview', async (t) => {
  const { srv, reviewer, sars } = await setup(t);
  srv.auth.allow({ user: 'alice', verb: 'get', resource: 'pods', namespace: 'shop' });
  const alice = { username: 'alice', groups: ['system:authenticated'] };
  const answers = await Promise.all(Array.from({ length: 20 }, () => reviewer.authorize(alice, { verb: 'get', resource: 'pods', namespace: 'shop', name: 'web' })));
  t.ok(answers.every((a) => a.allowed), 'all allowed');
  t.equal(sars(), 1, 'one review for twenty requests');
  await reviewer.authorize(alice, { verb: 'get', resource: 'pods', namespace: 'shop', name: 'db' });
  await reviewer.authorize({ username: 'bob', groups: [] }, { verb: 'get', resource: 'pods', namespace: 'shop', name: 'web' });
  t.equal(sars(), 3, 'another pod or another user is another question');
});

t.test('non-resource SubjectAccessReview (for /metrics)', async (t) => {
  const { srv, reviewer, sars } = await setup(t);
  srv.auth.allow({ group: 'scrapers', verb: 'get', nonResourceURLs: ['/metrics'] });
  srv.auth.allow({ user: 'alice', verb: 'get', resource: 'pods' });
  const prom = { username: 'prom', groups: ['scrapers'] };
  t.equal((await reviewer.authorizeNonResource(prom, { verb: 'get', path: '/metrics' })).allowed, true);
  t.equal((await reviewer.authorizeNonResource(prom, { verb: 'get', path: '/metrics' })).allowed, true);
  t.equal(sars(), 1, 'cached');
  t.equal((await reviewer.authorizeNonResource(prom, { verb: 'get', path: '/debug' })).allowed, false);
  t.equal((await reviewer.authorizeNonResource({ username: 'alice', groups: [] }, { verb: 'get', path: '/metrics' })).allowed, false);
  t.equal((await reviewer.authorize(prom, { verb: 'get', resource: 'pods' })).allowed, false, 'a URL grant is no resource grant');
  t.same(srv.auth.subjectAccessReviews[0]?.spec, { user: 'prom', groups: ['scrapers'], nonResourceAttributes: { verb: 'get', path: '/metrics' } });
});

t.test('failed tokens: their own bounded cache, never evicting good ones; one review per token at a time', async (t) => {
  const { reviewer, clock, trs } = await setup(t);
  t.ok(await reviewer.authenticate('alice-token'));
  t.equal(await reviewer.authenticate('stolen'), undefined);
  t.equal(await reviewer.authenticate('stolen'), undefined);
  t.equal(trs(), 2, 'a failed token is cached too');
  clock.ms += TTL.failedToken;
  await reviewer.authenticate('stolen');
  t.equal(trs(), 3, 'for 10 s');
  // More random tokens than the failed-token cache holds: the good entry stays.
  const n = CACHE_ENTRIES.failedTokens + 200;
  let accepted = 0;
  for (let i = 0; i < n; i++) if (await reviewer.authenticate(randomBytes(16).toString('hex'))) accepted++;
  t.equal(accepted, 0, `${n} random tokens refused`);
  const before = trs();
  t.equal((await reviewer.authenticate('alice-token'))?.username, 'alice');
  t.equal(trs(), before, 'alice still cached after many random tokens');
  // Concurrent requests with one new token share one review; beforeReview runs once, and only on a miss.
  let gated = 0;
  const all = await Promise.all(Array.from({ length: 20 }, () => reviewer.authenticate('bob-token', { beforeReview: () => void gated++ })));
  t.ok(all.every((u) => u === undefined));
  t.equal(trs(), before + 1, 'one TokenReview for 20 concurrent requests');
  t.equal(gated, 1);
  await reviewer.authenticate('alice-token', { beforeReview: () => void gated++ });
  t.equal(gated, 1, 'not called for a cached token');
  await t.rejects(reviewer.authenticate('carol-token', { beforeReview: () => { throw new Error('limited'); } }), /limited/);
  t.equal(trs(), before + 1, 'a throwing beforeReview stops the review');
});

t.test('--token-audience: spec.audiences sent, status.audiences required', async (t) => {
  const { srv, reviewer } = await setup(t, { audience: 'nsinspect' });
  const plain = new KubeReviewer(await kubeconfigClient(srv.kubeconfigPath));
  const narrow = srv.auth.createToken('shop', 'ci', { audiences: ['nsinspect'] });
  const broad = srv.auth.createToken('shop', 'ci');
  t.equal((await reviewer.authenticate(narrow))?.username, 'system:serviceaccount:shop:ci');
  t.match(srv.auth.tokenReviews.at(-1), { audiences: ['nsinspect'], authenticated: true });
  t.equal(await reviewer.authenticate(broad), undefined, 'an API-server token is refused');
  t.equal(await reviewer.authenticate('alice-token'), undefined, 'a static token too');
  t.equal(await plain.authenticate(narrow), undefined, 'without the flag, a token for nsinspect only is refused');
  t.ok(await plain.authenticate(broad));
  t.equal(srv.auth.tokenReviews.at(-1)?.audiences, undefined, 'no audiences sent without the flag');
});
