// Attach framing: what either end sends fits the one maxPayload both accept.
import t from 'tap';
import { ATTACH_MAX_MESSAGE_BYTES, CH, frame, frames } from '../../../../agent/protocol/frames.js';

t.test('a payload that fits is one frame, byte for byte as frame() makes it', async (t) => {
  t.same(frames(CH.stdout, 'hi'), [frame(CH.stdout, 'hi')]);
  t.same(frames(CH.stdin, Buffer.alloc(0)), [Buffer.from([CH.stdin])]);
  const edge = Buffer.alloc(ATTACH_MAX_MESSAGE_BYTES - 1, 7);
  t.equal(frames(CH.stdout, edge).length, 1);
  t.equal(frames(CH.stdout, edge)[0]?.length, ATTACH_MAX_MESSAGE_BYTES);
});

t.test('a 64 KiB pipe read (one byte over with its channel byte) and larger are cut to fit, in order', async (t) => {
  for (const size of [64 * 1024, 3 * 64 * 1024 + 5]) {
    const body = Buffer.from(Array.from({ length: size }, (_, i) => i % 251));
    const out = frames(CH.stderr, body);
    t.ok(out.length > 1, `${size} bytes: several frames`);
    t.ok(out.every((f) => f.length <= ATTACH_MAX_MESSAGE_BYTES && f[0] === CH.stderr), `${size} bytes: each fits, each on stderr`);
    t.same(Buffer.concat(out.map((f) => f.subarray(1))), body, `${size} bytes: the payload comes back whole`);
  }
});
