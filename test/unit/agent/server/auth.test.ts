// The authentication hook with a real KubeReviewer against the fake API server: 401, 429 without a
// TokenReview, refunds for good tokens, and the denial log lines (route, client, never the token).
import t from 'tap';
import Fastify from 'fastify';
import { startFakeApiServer } from '../../../fake-apiserver/index.js';
import { kubeconfigClient } from '../../../../agent/kube/client.js';
import { KubeReviewer } from '../../../../agent/kube/reviewer.js';
import { registerAuth } from '../../../../agent/server/auth.js';
import type { DecisionKind } from '../../../../agent/model/auth.js';
import { registerErrorHandling } from '../../../../agent/server/errors.js';

t.test('failed authentications: 401, then 429 without a review; good tokens cost nothing; all logged without tokens', async (t) => {
  const srv = await startFakeApiServer();
  t.teardown(() => srv.close());
  srv.auth.addUser('alice-token', { username: 'alice', groups: [] });
  srv.auth.addUser('bob-token', { username: 'bob', groups: [] });
  const log: string[] = [];
  const app = Fastify({ logger: { level: 'info', stream: { write: (l: string) => void log.push(l) } } });
  t.teardown(() => app.close());
  registerErrorHandling(app);
  const counted: DecisionKind[] = [];
  const reviewer = new KubeReviewer(await kubeconfigClient(srv.kubeconfigPath));
  registerAuth(app, reviewer, (d) => void counted.push(d), { limits: { perAddress: { burst: 2, perSecond: 0.001 }, overall: { burst: 100, perSecond: 1 }, maxAddresses: 10 } });
  app.get('/who', { config: { access: () => ({ verb: 'get', resource: 'pods' }) } }, async () => 'never reached without a grant');
  const call = async (token?: string, remoteAddress = '127.0.0.1') =>
    app.inject({ method: 'GET', url: '/who?x=1', remoteAddress, headers: token ? { authorization: `Bearer ${token}` } : {} });

  t.equal((await call()).statusCode, 401, 'no token');
  t.equal((await call('alice-token')).statusCode, 403, 'good token: authenticated (no grant)');
  t.equal((await call('bob-token')).statusCode, 403, 'good tokens are refunded: the burst of 2 is untouched');
  t.equal((await call('wrong-1')).statusCode, 401);
  t.equal((await call('wrong-1')).statusCode, 401, 'the same bad token again: from the failed-token cache, no charge');
  t.equal((await call('wrong-2')).statusCode, 401);
  const trs = srv.auth.tokenReviews.length;
  const limited = await call('wrong-3');
  t.equal(limited.statusCode, 429, 'the third failure from this address');
  t.equal(limited.headers['retry-after'], String(Math.ceil(1 / 0.001)));
  t.equal(srv.auth.tokenReviews.length, trs, 'no TokenReview for it');
  t.equal((await call('alice-token')).statusCode, 403, 'a cached good token from the same address still passes authentication');
  t.equal((await call('wrong-3', '10.0.0.9')).statusCode, 401, 'another address has its own bucket');
  t.equal(srv.auth.tokenReviews.length, trs + 1);
  t.same(counted.filter((c) => c === 'unauthenticated').length, 6);

  const lines = log.map((l) => JSON.parse(l)).filter((l) => l.component === 'auth');
  t.match(lines, [
    { status: 401, user: null, route: '/who', path: '/who', client: '127.0.0.1', msg: 'no bearer token' },
    { status: 403, user: 'alice', checked: { verb: 'get', resource: 'pods' } },
    { status: 403, user: 'bob' },
    { status: 401, msg: 'the bearer token is invalid or expired' },
    { status: 401 },
    { status: 401 },
    { status: 429, client: '127.0.0.1', msg: /no TokenReview sent/ },
    { status: 403, user: 'alice' },
    { status: 401, client: '10.0.0.9' },
  ]);
  const all = log.join('\n');
  for (const tok of ['alice-token', 'bob-token', 'wrong-1', 'wrong-2', 'wrong-3']) t.notOk(all.includes(tok), `${tok} not logged`);
});
