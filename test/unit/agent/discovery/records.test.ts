// Table-driven tests of the runtime-record reader: OCI specs as containerd's CRI and CRI-O write them, and the CRI status file.
import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerDataRootOf, parseDockerName } from '../../../../agent/discovery/docker-records.js';
import { allRecords, containerdRootOf, defaultRoots, parseCriStatus, parseOciSpec, readExit, readRecord } from '../../../../agent/discovery/records.js';

const SB = 'a'.repeat(64);
const APP = 'b'.repeat(64);
const UID = '0b5e3c1a-7f44-4d2e-9c1b-2f6a8d0e4c11';

// As containerd 1.6's CRI wrote them for a `kubectl debug --target=app` debugger and its sandbox (seen on the test containerd).
const containerdDebugger = {
  annotations: {
    'io.kubernetes.cri.container-name': 'dbg', 'io.kubernetes.cri.container-type': 'container', 'io.kubernetes.cri.image-name': 'busybox:1',
    'io.kubernetes.cri.sandbox-id': SB, 'io.kubernetes.cri.sandbox-name': 'web', 'io.kubernetes.cri.sandbox-namespace': 'shop', 'io.kubernetes.cri.sandbox-uid': UID,
  },
  linux: { namespaces: [{ type: 'pid', path: '/proc/4454/ns/pid' }, { type: 'ipc', path: '/proc/4423/ns/ipc' }, { type: 'uts', path: '/proc/4423/ns/uts' }, { type: 'mount' }, { type: 'network', path: '/proc/4423/ns/net' }] },
};
const containerdSandbox = {
  annotations: {
    'io.kubernetes.cri.container-type': 'sandbox', 'io.kubernetes.cri.sandbox-id': SB, 'io.kubernetes.cri.sandbox-name': 'web',
    'io.kubernetes.cri.sandbox-namespace': 'shop', 'io.kubernetes.cri.sandbox-uid': UID, 'io.kubernetes.cri.sandbox-log-directory': '/var/log/pods/x',
  },
  linux: { namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'network', path: '/var/run/netns/cni-1234' }] },
};
// CRI-O puts the names in io.kubernetes.* annotations and its Metadata/Labels JSON.
const crioContainer = {
  annotations: {
    'io.kubernetes.cri-o.ContainerType': 'container', 'io.kubernetes.cri-o.SandboxID': SB, 'io.kubernetes.cri-o.ImageName': 'docker.io/library/nginx:1',
    'io.kubernetes.cri-o.Metadata': JSON.stringify({ name: 'app', attempt: 0 }),
    'io.kubernetes.cri-o.Labels': JSON.stringify({ 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.pod.uid': UID }),
  },
  linux: { namespaces: [{ type: 'pid' }, { type: 'network', path: '/var/run/netns/abc' }, { type: 'cgroup' }, { type: 'time' }, { type: 'bogus', path: '/x' }] },
};

t.test('parseOciSpec', async (t) => {
  const cases: Array<[string, object, object]> = [
    ['containerd: a --target debugger', containerdDebugger, {
      kind: 'container', containerName: 'dbg', podName: 'web', podNamespace: 'shop', podUID: UID, sandboxID: SB, image: 'busybox:1', runtime: 'containerd',
      namespaces: [{ type: 'pid', path: '/proc/4454/ns/pid' }, { type: 'ipc', path: '/proc/4423/ns/ipc' }, { type: 'uts', path: '/proc/4423/ns/uts' }, { type: 'mnt' }, { type: 'net', path: '/proc/4423/ns/net' }],
    }],
    ['containerd: the sandbox', containerdSandbox, { kind: 'sandbox', podName: 'web', podNamespace: 'shop', sandboxID: SB, containerName: undefined, namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mnt' }, { type: 'net', path: '/var/run/netns/cni-1234' }] }],
    ['cri-o: names from Metadata and Labels; unknown namespace types skipped', crioContainer, {
      kind: 'container', containerName: 'app', podName: 'web', podNamespace: 'shop', podUID: UID, sandboxID: SB, image: 'docker.io/library/nginx:1',
      namespaces: [{ type: 'pid' }, { type: 'net', path: '/var/run/netns/abc' }, { type: 'cgroup' }, { type: 'time' }],
    }],
    ['docker: no annotations, no kind, no names', { linux: { namespaces: [{ type: 'pid', path: '/proc/7/ns/pid' }] } }, { kind: undefined, podName: undefined, namespaces: [{ type: 'pid', path: '/proc/7/ns/pid' }] }],
    ['no linux section', { annotations: { 'io.kubernetes.cri.container-type': 'weird' } }, { kind: undefined, namespaces: [] }],
    ['non-string annotations are ignored', { annotations: { 'io.kubernetes.cri.container-name': 7 } }, { containerName: undefined, namespaces: [] }],
  ];
  for (const [name, spec, want] of cases) {
    const runtime = name.startsWith('cri-o') ? 'cri-o' : name.startsWith('docker') ? 'docker' : 'containerd';
    const r = parseOciSpec(JSON.stringify(spec), APP, runtime, '/x/config.json');
    t.match(r, { containerID: APP, source: '/x/config.json', ...want }, name);
    t.same(r.namespaces, (want as { namespaces: unknown }).namespaces, `${name}: namespaces exactly`);
  }
  t.throws(() => parseOciSpec('{"annotations":', APP, 'containerd', '/x/config.json'), { code: 'INTERNAL', message: /reading the runtime's record \/x\/config.json: not JSON/ });
  t.throws(() => parseOciSpec('null', APP, 'containerd', '/x'), { code: 'INTERNAL' });
});

t.test('parseCriStatus', async (t) => {
  const cases: Array<[string, string, object | undefined]> = [
    ['exited with 3', '{"Version":"v1","Pid":0,"CreatedAt":1,"StartedAt":2,"FinishedAt":1795903573685048296,"ExitCode":3}', { exitCode: 3, finishedAt: new Date(1795903573685) }],
    ['exited with 0', '{"Pid":0,"FinishedAt":5000000,"ExitCode":0}', { exitCode: 0 }],
    ['running: not finished', '{"Pid":4454,"FinishedAt":0,"ExitCode":0}', undefined],
    ['created, never started', '{"Pid":0,"StartedAt":0,"FinishedAt":0,"ExitCode":0}', undefined],
    ['garbage', 'not json', undefined],
  ];
  for (const [name, text, want] of cases) {
    const got = parseCriStatus(text, APP, '/s');
    if (want === undefined) t.equal(got, undefined, name);
    else t.match(got, { containerID: APP, ...want }, name);
  }
});

t.test('readers over a runtime file layout', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nsinspect-records-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const put = (path: string, body: string) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), body);
  };
  put(`state/io.containerd.runtime.v2.task/k8s.io/${SB}/config.json`, JSON.stringify(containerdSandbox));
  put(`state/io.containerd.runtime.v2.task/k8s.io/${APP}/config.json`, JSON.stringify(containerdDebugger));
  put(`state/io.containerd.runtime.v2.task/k8s.io/${'e'.repeat(64)}/config.json`, '{half-written');
  put(`state/io.containerd.runtime.v2.task/k8s.io/not-an-id/config.json`, '{}');
  const crioID = 'c'.repeat(64);
  put(`crio/overlay-containers/${crioID}/userdata/config.json`, JSON.stringify(crioContainer));
  const exited = 'd'.repeat(64);
  put(`root/io.containerd.grpc.v1.cri/containers/${exited}/status`, '{"Pid":0,"FinishedAt":1000000000,"ExitCode":3}');
  const roots = { containerdState: [join(dir, 'state')], containerdRoot: [join(dir, 'root')], crio: [join(dir, 'crio')] };

  t.match(readRecord(APP, roots), { containerName: 'dbg', runtime: 'containerd', source: join(dir, 'state/io.containerd.runtime.v2.task/k8s.io', APP, 'config.json') });
  t.match(readRecord(crioID, roots), { containerName: 'app', runtime: 'cri-o' });
  t.equal(readRecord('f'.repeat(64), roots), undefined, 'no record: undefined');
  t.equal(readRecord('../../etc', roots), undefined, 'not an ID: never a path');
  t.same(allRecords(roots).map((r) => r.containerID).sort(), [SB, APP, crioID].sort(), 'all records; half-written and non-ID entries skipped');
  t.match(readExit(exited.slice(0, 12), roots), { containerID: exited, exitCode: 3 }, 'exit by prefix');
  t.equal(readExit(APP, roots), undefined, 'no status file: undefined');
  t.same(defaultRoots({}), { containerdState: ['/run/containerd'], containerdRoot: ['/var/lib/containerd'], crio: ['/run/containers/storage', '/var/lib/containers/storage'] });
  t.same(defaultRoots({ NSINSPECT_CONTAINERD_STATE: '/a:/b' }).containerdState, ['/a', '/b']);
});

t.test('containerdRootOf: --root, else the config file’s top-level root, else the default', async (t) => {
  const files: Record<string, string> = {
    '/etc/containerd/config.toml': 'version = 2\nroot = "/data/containerd"\nstate = "/run/c"\n',
    '/x/config.toml': 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  root = "/not/this"\n',
    '/y.toml': '  root   =  "/y/root"\n[grpc]\n',
  };
  const read = (p: string) => files[p];
  const cases: Array<[string[], string]> = [
    [['containerd'], '/data/containerd'],
    [['containerd', '--root', '/r'], '/r'],
    [['containerd', '--root=/r2', '--config', '/y.toml'], '/r2'],
    [['containerd', '--config', '/y.toml'], '/y/root'],
    [['containerd', '-c', '/y.toml'], '/y/root'],
    [['containerd', '--config=/y.toml'], '/y/root'],
    [['containerd', '--config', '/x/config.toml'], '/var/lib/containerd'],
    [['containerd', '--config', '/missing.toml'], '/var/lib/containerd'],
  ];
  for (const [argv, want] of cases) t.equal(containerdRootOf(argv, read), want, argv.join(' '));
});

t.test('Docker: data-root and the name in config.v2.json', async (t) => {
  const files: Record<string, string> = { '/etc/docker/daemon.json': '{"data-root":"/srv/docker"}', '/c.json': '{}', '/bad.json': '{' };
  const read = (p: string) => files[p];
  const cases: Array<[string[], string]> = [
    [['dockerd'], '/srv/docker'],
    [['dockerd', '--data-root', '/d'], '/d'],
    [['dockerd', '--data-root=/d2'], '/d2'],
    [['dockerd', '--config-file', '/c.json'], '/var/lib/docker'],
    [['dockerd', '--config-file', '/bad.json'], '/var/lib/docker'],
    [['dockerd', '--config-file', '/missing.json'], '/var/lib/docker'],
  ];
  for (const [argv, want] of cases) t.equal(dockerDataRootOf(argv, read), want, argv.join(' '));
  t.equal(parseDockerName('{"ID":"x","Name":"/web"}'), 'web');
  for (const bad of ['{"Name":"/"}', '{"Name":7}', '{}', 'nope']) t.equal(parseDockerName(bad), undefined, bad);
});
