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
