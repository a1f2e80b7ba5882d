// Layout of the human output: word wrapping, ns sharing marks and legends, ephemeral within 80 columns, ps by container name.
import t from 'tap';
import { wrapWords } from '../../../../cli/render/table.js';
import { renderNs, renderPs } from '../../../../cli/render/local.js';
import { podContainerNames, renderEphemeral, renderPod } from '../../../../cli/render/cluster.js';
import type { NsListJSON, PsJSON } from '../../../../agent/protocol/answers.js';
import type { PodJSON } from '../../../../agent/protocol/pod.js';

t.test('wrapWords wraps at word boundaries, indents what follows, and leaves pipes alone', async (t) => {
  const line = '* mnt is private, as expected: from debugger, reach the files of app at /proc/1234/root';
  t.equal(wrapWords(line, 40), '* mnt is private, as expected: from\n  debugger, reach the files of app at\n  /proc/1234/root');
  t.ok(wrapWords(line, 40).split('\n').every((l) => l.length <= 40));
  t.equal(wrapWords(line, undefined), line, 'no width (a pipe): one line');
  t.equal(wrapWords('* ' + 'x'.repeat(50), 20), '* ' + 'x'.repeat(50), 'a word longer than the width stays whole');
});

const ns = (inodes: number[][]): NsListJSON => ({
  items: inodes.map((row, i) => ({
    ref: `pid/${i + 1}`,
    pid: i + 1,
    namespaces: Object.fromEntries(['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'].map((t, j) => [t, row[j]])),
  })) as NsListJSON['items'],
});

t.test('node-local ns marks every shared inode, whichever columns share it, with a legend', async (t) => {
  // [2] and [3] share net (not [1]); all three share user; [1] and [3] share uts.
  const out = renderNs(ns([
    [11, 12, 13, 14, 15, 16, 17, 18],
    [21, 22, 23, 24, 25, 16, 17, 28],
    [31, 32, 33, 24, 35, 16, 17, 18],
  ]));
  t.equal(out, `[1] pid/1  pid 1
[2] pid/2  pid 2
[3] pid/3  pid 3

TYPE    [1]   [2]   [3]
cgroup  11    21    31
ipc     12    22    32
mnt     13    23    33
net     14    24 A  24 A
pid     15    25    35
time    16 A  16 A  16 A
user    17 A  17 A  17 A
uts     18 A  28    18 A

same letter in a row: the same namespace, shared; no letter: that ref's own
`);
  t.equal(renderNs(ns([[1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 11, 12, 13, 14, 15, 16]])).split('\n').at(-2), 'no namespace is shared');
});

const pod = (containers: Array<Partial<PodJSON['containers'][number]>>): PodJSON => ({
  namespace: 'shop', name: 'web', uid: 'u', node: 'node-a',
  spec: { hostNetwork: false, hostPID: false, hostIPC: false, shareProcessNamespace: false, hostUsers: true },
  containers: containers.map((c) => ({ name: 'x', kind: 'app', state: 'running', namespaces: {}, owners: {}, ...c })) as PodJSON['containers'],
  mismatches: [],
} as unknown as PodJSON);

t.test('cluster ns explains missing and ? when they show', async (t) => {
  const all = { cgroup: 1, ipc: 2, mnt: 3, net: 4, pid: 5, time: 6, user: 7, uts: 8 };
  const out = renderPod(pod([{ name: 'app', pid: 10, namespaces: all }, { name: 'gone', state: 'missing' }]));
  t.equal(out.split('\n').slice(-4).join('\n'), `same letter: same namespace; H: the host's
missing: running per the API, but not found on the node (just restarted, or gone)
?: not read (the container is not running, or its process is gone)
`);
  t.notMatch(renderPod(pod([{ name: 'app', pid: 10, namespaces: all }])), /missing:|\?:/, 'no legend for what does not show');
});

t.test('ephemeral -A fits 80 columns', async (t) => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const out = renderEphemeral([
    { namespace: 'payments-prod', pod: 'checkout-7d9f8b6c5-x2k4p', name: 'debugger-8xk2q', image: 'busybox:1.36', target: 'checkout', state: 'running', startedAt: '2026-01-01T11:15:00Z' },
  ], true, now);
  t.equal(out, `NAMESPACE      POD                       NAME            TARGET    STATE    AGE
payments-prod  checkout-7d9f8b6c5-x2k4p  debugger-8xk2q  checkout  running  45m
`);
  t.ok(out.split('\n').every((l) => l.length <= 80));
});

t.test('cluster ps names containers: from the agent row, else from the pod status', async (t) => {
  const id = (c: string) => c.repeat(64);
  const row = { nspid: 1, ppid: 0, uid: 0, startTime: '2020-01-01T00:00:00Z', command: 'sh' };
  const p: PsJSON = { processes: [
    { ...row, pid: 1, containerID: id('a'), containerName: 'app' },
    { ...row, pid: 2, containerID: id('b') },
    { ...row, pid: 3, containerID: id('c') },
  ] } as PsJSON;
  const names = podContainerNames({ status: { ephemeralContainerStatuses: [{ name: 'debugger', containerID: `containerd://${id('b')}` }] } });
  t.same([...names], [[id('b'), 'debugger']]);
  const col = renderPs(p, names).split('\n').slice(1, 4).map((l) => l.split(/\s+/)[5]);
  t.same(col, ['app', 'debugger', 'cccccccccccc'], 'names where known, else the short ID');
});
