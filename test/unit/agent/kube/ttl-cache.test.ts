// The bounded TTL cache behind the authorization caches.
import t from 'tap';
import { TtlCache } from '../../../../agent/kube/ttl-cache.js';

t.test('expires and bounds', async (t) => {
  let now = 0;
  const c = new TtlCache<string>(3, () => now);
  c.set('a', 'A', 100);
  t.equal(c.get('a'), 'A');
  now = 100;
  t.equal(c.get('a'), undefined, 'expired at its TTL');
  for (const k of ['a', 'b', 'c']) c.set(k, k, 1000);
  c.get('a'); // a is now the most recent
  c.set('d', 'd', 1000);
  t.equal(c.size, 3, 'bounded');
  t.equal(c.get('b'), undefined, 'the least recently used went');
  t.equal(c.get('a'), 'a');
});

t.test('remaining: the time an entry has left, without making it recent', async (t) => {
  let now = 0;
  const c = new TtlCache<string>(2, () => now);
  c.set('a', 'A', 100);
  c.set('b', 'B', 100);
  now = 40;
  t.equal(c.remaining('a'), 60);
  t.equal(c.remaining('x'), undefined, 'absent');
  c.set('c', 'C', 100);
  t.equal(c.get('a'), undefined, 'remaining did not refresh a: it was the oldest and went');
  now = 140;
  t.equal(c.remaining('b'), undefined, 'expired');
});
