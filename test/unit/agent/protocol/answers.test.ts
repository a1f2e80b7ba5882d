// The node-level encoders: each JSON shape built from the inspection's values, field by field, in the documented order (docs/api.md).
import t from 'tap';
import type { ContainerID } from '../../../../agent/model/types.js';
import type { Diff, LsnsRow, PsRow, Subject } from '../../../../agent/model/answers.js';
import { diffJSON, lsnsJSON, nsListJSON, psJSON, whoisJSON } from '../../../../agent/protocol/answers.js';
import { containerJSON } from '../../../../agent/protocol/pod.js';

const ID = 'a'.repeat(64) as ContainerID;
const DBG = 'b'.repeat(64) as ContainerID;
const record = { containerID: ID, runtime: 'containerd' as const, source: '/run/containerd/config.json', kind: 'container' as const, podNamespace: 'shop', podName: 'web', containerName: 'app', image: 'nginx', namespaces: [] };
const app: Subject = { ref: 'shop/web/app', pid: 200, startTime: 9, containerID: ID, podUID: 'u-1', runtime: 'containerd', namespaces: { pid: 11, net: 12 }, record };
const dbg: Subject = { ref: 'pid/300', pid: 300, startTime: 10, containerID: DBG, namespaces: { pid: 11 }, unreadable: 'denied' };

t.test('a subject: identity, then what the record names, only what is known', async (t) => {
  const [a, d] = nsListJSON([app, dbg]).items;
  t.same(Object.keys(a ?? {}), ['ref', 'pid', 'containerID', 'podUID', 'podNamespace', 'podName', 'containerName', 'containerType', 'image', 'namespaces']);
  t.same(d, { ref: 'pid/300', pid: 300, containerID: DBG, namespaces: { pid: 11 }, unreadable: 'denied' }, 'no record: no names; unreadable kept');
  t.not(a?.namespaces, app.namespaces, 'a copy: the JSON never aliases the model');
});

t.test('diff: rows, findings and the short access form; never the walk or the start time', async (t) => {
  const d: Diff = {
    target: app, debugger: dbg,
    namespaces: [{ type: 'pid', target: 11, debugger: 11, shared: true, with: 'target' }],
    shared: ['pid'], notShared: [],
    findings: [{ code: 'TARGET_PID_SHARED', message: 'shared' }],
    access: [{ op: 'ptrace', allowed: 'no', blockedBy: 'UID_MISMATCH', reason: 'uids differ', checks: [{ check: 'uid', result: 'fail', detail: 'x' }] }],
    layers: [{ side: 'debugger', type: 'pid', spec: null, told: { join: 'path', path: '/proc/200/ns/pid', owner: 'target', inode: 11 }, kernel: 'target', kernelInode: 11, agree: true, broke: [] }],
  };
  const j = diffJSON(d);
  t.same(Object.keys(j), ['target', 'debugger', 'namespaces', 'shared', 'notShared', 'findings', 'access', 'layers']);
  t.same(j.access, [{ op: 'ptrace', allowed: 'no', reason: 'uids differ', blockedBy: 'UID_MISMATCH' }], 'no checks in the short form');
  t.same(Object.keys(j.layers?.[0]?.told ?? {}), ['join', 'path', 'owner', 'inode'], 'told: join, path, owner, inode');
  t.notOk('startTime' in j.target, 'the PID-reuse guard stays inside the agent');
});

t.test('ps: dates as ISO 8601, the owner, and names only for a container row', async (t) => {
  const rows: PsRow[] = [
    { pid: 200, nspid: 1, ppid: 1, uid: 0, startTime: new Date('2026-11-29T00:00:00Z'), command: 'nginx', owner: { kind: 'container', containerID: ID }, names: { podNamespace: 'shop', podName: 'web', containerName: 'app' } },
    { pid: 400, nspid: 4, ppid: 1, uid: 0, startTime: new Date('2026-11-29T00:00:01Z'), command: 'sh', owner: { kind: 'host-entered' } },
  ];
  t.same(psJSON(rows).processes, [
    { pid: 200, nspid: 1, ppid: 1, uid: 0, startTime: '2026-11-29T00:00:00.000Z', command: 'nginx', owner: { kind: 'container', containerID: ID }, containerID: ID, podNamespace: 'shop', podName: 'web', containerName: 'app' },
    { pid: 400, nspid: 4, ppid: 1, uid: 0, startTime: '2026-11-29T00:00:01.000Z', command: 'sh', owner: { kind: 'host-entered' } },
  ]);
});

t.test('whois and containers: the API pods\' names win over the record\'s', async (t) => {
  t.same(whoisJSON(app), { pid: 200, containerID: ID, podUID: 'u-1', runtime: 'containerd', podNamespace: 'shop', podName: 'web', containerName: 'app', namespaces: { pid: 11, net: 12 } });
  t.match(whoisJSON(app, { podNamespace: 'prod', podName: 'web-2', containerName: 'nginx' }), { podNamespace: 'prod', podName: 'web-2', containerName: 'nginx' });
  t.same(containerJSON(dbg), { containerID: DBG, runtime: 'unknown', pid: 300, namespaces: { pid: 11 }, unreadable: 'denied' });
  t.same(Object.keys(containerJSON(app)), ['containerID', 'runtime', 'pid', 'podUID', 'podNamespace', 'podName', 'containerName', 'namespaces']);
});

t.test('lsns: lsns -J\'s rows, names only with a container', async (t) => {
  const rows: LsnsRow[] = [
    { inode: 11, type: 'pid', nprocs: 2, pid: 200, user: 'root', command: 'nginx', containerID: ID, names: { podName: 'web' } },
    { inode: 1, type: 'net', nprocs: 90, pid: 1, user: 'root', command: 'init', names: { podName: 'ignored' } },
  ];
  t.same(lsnsJSON(rows), { namespaces: [
    { inode: 11, type: 'pid', nprocs: 2, pid: 200, user: 'root', command: 'nginx', containerID: ID, podName: 'web' },
    { inode: 1, type: 'net', nprocs: 90, pid: 1, user: 'root', command: 'init' },
  ] });
});
