// Table-driven tests of ref and PID parsing at the CLI's edge.
import t from 'tap';
import { parseLocalRef, parsePid } from '../../agent/discovery/refs.js';

t.test('parseLocalRef accepts', async (t) => {
  const id = 'abcdef012345'.repeat(5) + 'abcd';
  const cases: Array<[string, object]> = [
    ['pid/42', { kind: 'pid', pid: 42 }],
    ['p/1', { kind: 'pid', pid: 1 }],
    ['container/abcdef012345', { kind: 'container', prefix: 'abcdef012345' }],
    [`container/${id}`, { kind: 'container', prefix: id }],
    [`container/containerd://${id}`, { kind: 'container', prefix: id }],
    [`c/cri-o://${id}`, { kind: 'container', prefix: id }],
  ];
  for (const [input, want] of cases) t.match(parseLocalRef(input), want, input);
});

t.test('parseLocalRef rejects with INVALID', async (t) => {
  const bad = ['pid/0', 'pid/-1', 'pid/1.5', 'pid/abc', 'pid/', 'pid/99999999', 'pid/1;rm -rf /', 'container/abc', 'container/ABCDEF012345',
    'container/abcdef01234g', `container/${'a'.repeat(65)}`, 'container/$(id)', 'web', 'pod/web', 'node/x', '', '/'];
  for (const input of bad) {
    t.throws(() => parseLocalRef(input), { code: 'INVALID' }, JSON.stringify(input));
  }
});

t.test('parsePid', async (t) => {
  t.equal(parsePid('4194304'), 4194304);
  for (const s of ['4194305', '0', '01', ' 1', '1e3', '0x10']) t.equal(parsePid(s), undefined, s);
});
