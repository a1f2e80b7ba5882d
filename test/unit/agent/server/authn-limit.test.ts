// The failed-authentication limiter and the denial-log limiter, on an injected clock.
import t from 'tap';
import { FailureLimiter, LogLimiter, TokenBucket } from '../../../../agent/server/authn-limit.js';

t.test('a token bucket: burst, refill, refund, never over capacity', async (t) => {
  let now = 0;
  const b = new TokenBucket(3, 2, () => now);
  t.same([b.take(), b.take(), b.take(), b.take()], [true, true, true, false]);
  t.equal(b.retryAfter(), 1);
  now += 500; // one token back at 2/s
  t.same([b.take(), b.take()], [true, false]);
  b.give();
  t.equal(b.take(), true, 'a refund is spendable');
  now += 60_000;
  t.ok(b.full());
  b.give();
  t.same([b.take(), b.take(), b.take(), b.take()], [true, true, true, false], 'refunds never exceed the capacity');
});

t.test('the failure limiter: per address, overall, refunds, bounded memory', async (t) => {
  let now = 0;
  const l = new FailureLimiter({ perAddress: { burst: 3, perSecond: 1 }, overall: { burst: 5, perSecond: 1 }, maxAddresses: 4 }, () => now);
  t.same([l.take('a'), l.take('a'), l.take('a')], [undefined, undefined, undefined]);
  t.equal(l.take('a'), 1, 'a is over its burst: retry in 1 s');
  t.equal(l.take('b'), undefined, 'b has its own bucket');
  t.equal(l.take('b'), undefined);
  t.equal(l.take('c'), 1, 'the overall bucket is empty (5 taken)');
  l.give('b'); // b's token was good: refunded to b and overall
  t.equal(l.take('c'), undefined);
  // Refused requests do not drain the overall bucket: a's refusal did not take from it.
  now += 3_000;
  for (const addr of ['d', 'e', 'f', 'g', 'h', 'i']) l.take(addr);
  t.ok(l.addresses <= 4, `at most 4 addresses remembered (${l.addresses})`);
  // Successful authentications leave nothing behind.
  now += 60_000;
  const m = new FailureLimiter(undefined, () => now);
  for (let i = 0; i < 100; i++) {
    t.equal(m.take('10.0.0.1'), undefined, `good ${i}`, { diagnostic: false });
    m.give('10.0.0.1');
  }
  t.equal(m.addresses, 0, 'good clients are forgotten at once');
});

t.test('the log limiter: lines per window, then how many were dropped', async (t) => {
  let now = 0;
  const l = new LogLimiter(2, 1000, () => now);
  t.same([l.admit(), l.admit(), l.admit(), l.admit()], [0, 0, undefined, undefined]);
  now += 1000;
  t.equal(l.admit(), 2, 'the first line of the next window reports the two dropped');
  t.equal(l.admit(), 0);
});
