// Attack: a node admin's exec session is contained: its cgroup holds every process it starts, all die with it; stdin floods and PID reuse fail.
import t, { type Test } from 'tap';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import WebSocket from 'ws';
import { apiServerFor, agentFor, demoPodJson, NODE, TEST_CGROUP_PARENT } from '../helpers/cluster.js';
import { running } from '../helpers/children.js';
import { labFor, spawnFor, waitFor } from '../helpers/lab.js';
import { startAgentProcess } from '../helpers/agent-process.js';
import { startDemoPod, startPodContainer } from '../../lab/pod.js';
import { ATTACH_PROTOCOL, CH, frame } from '../../agent/protocol/frames.js';
import { ExecService } from '../../agent/exec/service.js';
import { readStat } from '../../agent/procfs/proc.js';
import { programOf } from '../../agent/exec/run.js';
import { must } from '../helpers/must.js';

const ADMIN = 'admin-token';
const user = { username: 'node-admin', groups: [] };

/** The demo pod, the fake API server with a node admin (nodes/proxy and pods/exec), a listening agent. */
async function setup(t: Test, opts: { maxExecSessions?: number } = {}) {
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  const srv = await apiServerFor(t);
  srv.auth.allow({ user: 'node-admin', verb: 'create', resource: 'nodes', subresource: 'proxy', name: NODE });
  srv.auth.allow({ user: 'node-admin', verb: 'create', resource: 'pods', subresource: 'exec' });
  srv.pods.add(demoPodJson(pod));
  const agent = await agentFor(t, srv, opts);
  const base = await agent.app.listen({ host: '127.0.0.1', port: 0 });
  return { lab, pod, srv, agent, base };
}

interface Conn {
  ws: WebSocket;
  out: () => string;
  /** Resolves with the close code and the status frame. */
  done: Promise<{ code: number; status: Record<string, unknown> | undefined }>;
}

/** A raw attach session over the WebSocket; closed at teardown. */
async function attach(t: Test, base: string, path: string, q: { command: string[]; tty?: boolean; namespaces?: string }, token = ADMIN): Promise<Conn> {
  const u = new URL(path, base.replace(/^http/, 'ws'));
  for (const c of q.command) u.searchParams.append('command', c);
  u.searchParams.set('tty', q.tty ? 'true' : 'false');
  u.searchParams.set('namespaces', q.namespaces ?? 'tools');
  const ws = new WebSocket(u, [ATTACH_PROTOCOL], { headers: token ? { authorization: `Bearer ${token}` } : {} });
  t.teardown(() => ws.terminate());
  let out = '';
  let status: Record<string, unknown> | undefined;
  ws.on('message', (d: Buffer) => {
    if (d[0] === CH.stdout || d[0] === CH.stderr) out += d.subarray(1).toString();
    if (d[0] === CH.status) status = JSON.parse(d.subarray(1).toString()) as Record<string, unknown>;
  });
  const done = new Promise<{ code: number; status: Record<string, unknown> | undefined }>((r) => ws.once('close', (code) => r({ code, status })));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return { ws, out: () => out, done };
}

/** "memory" | "pids" | "freezer" | "0" (v2) -> the cgroup path of pid, from the host's view. */
function cgroupsOf(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n')) {
    const [id, ctrl, path] = [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1, line.indexOf(':', line.indexOf(':') + 1)), line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1)];
    if (id === '0') out['0'] = path;
    for (const c of ctrl.split(',')) if (['memory', 'pids', 'freezer'].includes(c)) out[c] = path;
  }
  return out;
}

const SESSION_RE = /^\/nsinspect-sessions\/s-\d+-[0-9a-f]{12}$/;
const KEYS = ['0', 'memory', 'pids', 'freezer'];

/** Asserts that every pid sits in one and the same session cgroup, in every hierarchy used, never in ours. */
function assertContained(t: Test, pids: number[], what: string): string {
  const ours = cgroupsOf(process.pid);
  const first = must(pids[0], `${what}: a process to check`);
  const cgs = cgroupsOf(first);
  const session = must(cgs['0'] ?? cgs.pids, `${what}: pid ${first}'s v2 or pids cgroup`);
  t.match(session, SESSION_RE, `${what}: in a session cgroup (${session})`);
  const wrong: string[] = [];
  const checked = new Set<string>();
  for (const pid of pids) {
    const cg = cgroupsOf(pid);
    for (const k of KEYS) {
      if (cg[k] === undefined) continue;
      checked.add(k === '0' ? 'v2' : k);
      if (cg[k] !== session || cg[k] === ours[k]) wrong.push(`pid ${pid} ${k}:${cg[k]}`);
    }
  }
  t.same(wrong, [], `${what}: all ${pids.length} processes in the session's cgroup in ${[...checked].join(', ')}, none in the agent's own`);
  return session;
}

const gone = (dir: string): boolean => readdirSync('/sys/fs/cgroup').every((h) => !existsSync(`/sys/fs/cgroup/${h}${dir}`));

t.test('escapes from an attached session stay in its cgroup and die with it', async (t) => {
  t.equal(TEST_CGROUP_PARENT, '/', 'session cgroups of test agents sit under the root cgroup');
  const { base, pod, agent } = await setup(t);
  const m = String(1_300_000 + Math.floor(Math.random() * 90_000)).slice(0, 7);
  // setsid, a double fork, a daemon that clears its environment (the /proc walk missed those), a plain background job.
  const script = [
    `setsid sleep ${m}1 &`,
    `(setsid sh -c "sleep ${m}2 &" &)`,
    `env -i setsid sleep ${m}3 &`,
    `sleep ${m}4 &`,
    'echo started',
    'cat',
  ].join('\n');
  const sleepers = [1, 2, 3, 4].map((i) => ['sleep', `${m}${i}`]);
  for (const namespaces of ['tools', 'net,uts,ipc', 'all']) {
    const c = await attach(t, base, `/v1/containers/${pod.app.id}/attach`, { command: ['sh', '-c', script], namespaces });
    await waitFor(`${namespaces}: the escapes started`, () => (sleepers.every((a) => running(a).length === 1) && c.out().includes('started') ? true : undefined), 10_000);
    const pids = sleepers.flatMap((a) => running(a));
    const session = assertContained(t, pids, namespaces);
    t.notOk(gone(session), `${namespaces}: the session cgroup exists while the session runs`);
    c.ws.close();
    await waitFor(`${namespaces}: every escape gone`, () => (sleepers.every((a) => running(a).length === 0) ? true : undefined), 10_000);
    await waitFor(`${namespaces}: the session cgroup removed`, () => (gone(session) ? true : undefined), 10_000);
    t.pass(`${namespaces}: nothing survives, the cgroup is removed`);
  }

  // One-shot: the answer comes when the leader exits; what it left is killed as a unit.
  const r = await agent.app.inject({
    method: 'POST', url: `/v1/containers/${pod.app.id}/exec`, headers: { authorization: `Bearer ${ADMIN}` },
    payload: { command: ['sh', '-c', `env -i setsid sleep ${m}5 & (setsid sh -c "sleep ${m}6 &" &); sleep 1; echo done`], namespaces: 'tools' },
  });
  t.equal(r.json().stdout, 'done\n');
  await waitFor('the one-shot escapes gone', () => (running(['sleep', `${m}5`]).length + running(['sleep', `${m}6`]).length === 0 ? true : undefined), 10_000);
  const metrics = (await agent.metricsApp.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(metrics, /nsinspect_exec_limit\{limit="max_sessions_per_user"\} 2/);
  t.match(metrics, /nsinspect_exec_limit\{limit="pids_max"\} 512/);
});

t.test('a session cannot fork past its pids limit', async (t) => {
  const { pod } = await setup(t);
  const svc = new ExecService({ info: () => undefined }, { pidsMax: 20, cgroupParent: TEST_CGROUP_PARENT });
  const { Engine } = await import('../../agent/inspect/engine.js');
  const s = new Engine().containerSubject(pod.app.id);
  // ash stops at the first fork that fails: the last number it printed is how many sleeps started.
  const script = 'i=0; while [ $i -lt 40 ]; do sleep 1000 & i=$((i+1)); echo $i; done';
  const r = await svc.exec({ subject: s, target: 'x', command: ['sh', '-c', script], namespaces: 'all', timeoutSeconds: 20, user });
  const started = Number(r.stdout.trim().split('\n').at(-1));
  // 20 in the session: nsenter (outside the pid namespace), the shell, and at most 18 sleeps.
  t.ok(started >= 1 && started <= 18, `${started} of 40 sleeps started: the session stopped at its pids.max of 20`);
  t.match(r.stderr, /can't fork/, 'the next fork failed');
  await waitFor('the sleepers gone', () => (running(['sleep', '1000']).length === 0 ? true : undefined), 10_000);
});

t.test('quotas: per user, and the last free slot kept for a user holding none', async (t) => {
  const { pod, agent } = await setup(t);
  const subject = agent.engine.containerSubject(pod.app.id);
  const dev = { username: 'dev', groups: [] };
  const admit = (svc: ExecService, u: typeof user) => svc.admit({ subject, target: 'x', command: ['true'], namespaces: 'tools', user: u }, false);
  const end = { result: 'ok' as const, exitCode: 0, bytesIn: 0, bytesOut: 0 };

  const svc = new ExecService({ info: () => undefined }, { maxSessions: 3, maxSessionsPerUser: 3, cgroupParent: TEST_CGROUP_PARENT });
  const held = [admit(svc, user), admit(svc, user)];
  t.throws(() => admit(svc, user), { code: 'TOO_MANY', message: 'the last free exec session slot is kept for a user with none running; node-admin has 2' });
  held.push(admit(svc, dev));
  t.throws(() => admit(svc, dev), { code: 'TOO_MANY', message: '3 exec sessions are running, the limit is 3' });
  for (const a of held) a.end(end);
  t.equal(svc.activeSessions, 0);

  const perUser = new ExecService({ info: () => undefined }, { maxSessions: 8, maxSessionsPerUser: 2, cgroupParent: TEST_CGROUP_PARENT });
  const two = [admit(perUser, user), admit(perUser, user)];
  t.throws(() => admit(perUser, user), { code: 'TOO_MANY', message: 'node-admin has 2 exec sessions running, the limit is 2 per user' });
  const d = admit(perUser, dev);
  for (const a of [...two, d]) a.end(end);
});

/** Agent RSS in bytes, from /proc/<pid>/status. */
function rss(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * Floods stdin with up to `total` bytes in 64 KiB frames (one buffer, reused), as fast as the
 * socket takes them. Stops when the session closes, when all is sent, or when the agent has
 * stopped reading for a second (back-pressure). Samples the agent's RSS all along.
 */
async function flood(c: Conn, agentPid: number, total: number): Promise<{ sent: number; maxRss: number; stalled: boolean }> {
  const chunk = frame(CH.stdin, Buffer.alloc(64 * 1024 - 1, 0x61));
  let sent = 0;
  let maxRss = 0;
  let closed = false;
  c.ws.once('close', () => (closed = true));
  let lastProgress = Date.now();
  let lastBuffered = 0;
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, rss(agentPid))), 50);
  try {
    while (!closed && sent < total) {
      if (c.ws.bufferedAmount > 4 * 1024 * 1024) {
        if (c.ws.bufferedAmount < lastBuffered) lastProgress = Date.now();
        lastBuffered = c.ws.bufferedAmount;
        if (Date.now() - lastProgress > 1000) return { sent, maxRss, stalled: true };
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      lastProgress = Date.now();
      lastBuffered = c.ws.bufferedAmount;
      c.ws.send(chunk);
      sent += chunk.length - 1;
      if (sent % (16 * 1024 * 1024) === 0) await new Promise((r) => setImmediate(r));
    }
    return { sent, maxRss, stalled: false };
  } finally {
    clearInterval(sampler);
    maxRss = Math.max(maxRss, rss(agentPid));
  }
}

t.test('a 1 GiB stdin flood: pipes push back, a pty closes with 1009, the agent keeps its memory', async (t) => {
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  const agent = await startAgentProcess(t, ['--auth', 'none']);
  const path = `/v1/containers/${pod.app.id}/attach`;
  // The normal band: the agent's RSS after a warm-up session.
  const warm = await attach(t, agent.api, path, { command: ['echo', 'warm'], namespaces: 'all' }, '');
  await warm.done;
  const baseline = rss(agent.pid);
  const band = baseline + 96 * 1024 * 1024;
  const GiB = 1024 * 1024 * 1024;

  // Pipes, a reader: the whole GiB goes through, never held.
  const reader = await attach(t, agent.api, path, { command: ['sh', '-c', 'cat >/dev/null; echo read-all'], namespaces: 'all' }, '');
  const r1 = await flood(reader, agent.pid, GiB);
  t.ok(r1.sent >= GiB, 'pipes, a reader: 1 GiB sent');
  reader.ws.send(frame(CH.close, Buffer.from([0])));
  t.match((await reader.done).status, { exitCode: 0, reason: 'exit' });
  t.ok(r1.maxRss < band, `pipes, a reader: agent RSS peaked at ${(r1.maxRss / 2 ** 20).toFixed(0)} MiB (baseline ${(baseline / 2 ** 20).toFixed(0)} MiB)`);

  // Pipes, no reader: back-pressure stops the agent reading; the flood waits on the client's side.
  const sleeper = await attach(t, agent.api, path, { command: ['sleep', '1000'], namespaces: 'all' }, '');
  const r2 = await flood(sleeper, agent.pid, GiB);
  t.ok(r2.stalled, `pipes, no reader: the agent stopped reading after ${(r2.sent / 2 ** 20).toFixed(1)} MiB`);
  t.ok(r2.sent < 64 * 1024 * 1024, 'pipes, no reader: far less than the flood got in');
  t.ok(r2.maxRss < band, `pipes, no reader: agent RSS peaked at ${(r2.maxRss / 2 ** 20).toFixed(0)} MiB`);
  sleeper.ws.terminate();

  // A pty whose process does not read: the queue fills to its cap, the session closes with 1009.
  const tty = await attach(t, agent.api, path, { command: ['sleep', '1000'], tty: true, namespaces: 'all' }, '');
  const r3 = await flood(tty, agent.pid, GiB);
  const end = await tty.done;
  t.equal(end.code, 1009, `tty: closed with 1009 after ${(r3.sent / 2 ** 20).toFixed(1)} MiB`);
  t.match(end.status, { reason: 'error', message: /input are waiting/ });
  t.ok(r3.maxRss < band, `tty: agent RSS peaked at ${(r3.maxRss / 2 ** 20).toFixed(0)} MiB`);
  await waitFor('the sleepers gone', () => (running(['sleep', '1000']).length === 0 ? true : undefined), 10_000);
});

/** Spawns `sleep` until it gets exactly `pid` (ns_last_pid steers the next PID). */
async function takePid(t: Test, pid: number): Promise<boolean> {
  for (let i = 0; i < 30; i++) {
    writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
    const child = spawnFor(t, 'sleep', ['3600']);
    if (child.pid === pid) return true;
    process.kill(child.pid as number, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

t.test('PID reuse between resolve and spawn: refused, or bound to the namespaces that were checked', async (t) => {
  const { lab, pod, agent } = await setup(t);
  const svc = new ExecService({ info: () => undefined }, { cgroupParent: TEST_CGROUP_PARENT });
  // A container with its own UTS namespace and a hostname to tell it apart.
  const victim = await startPodContainer(lab, pod.layout, pod.podPath, ['sleep', '2147483647'], undefined, 'reuse-me');
  await waitFor('the agent to see it', () => {
    try {
      return agent.engine.containerSubject(victim.id);
    } catch {
      return undefined;
    }
  });
  const subject = agent.engine.containerSubject(victim.id);
  const admitted = svc.admit({ subject, target: 'victim', command: ['hostname'], namespaces: ['uts'], user }, false);
  t.match(admitted.argv.join(' '), new RegExp(`--uts=/proc/${process.pid}/fd/\\d+`), 'nsenter gets a descriptor, not the PID');
  t.notMatch(admitted.argv.join(' '), /--target/);

  await lab.kill(victim.id);
  await waitFor('the victim gone', () => (readStat(subject.pid) ? undefined : true), 10_000);
  if (!(await takePid(t, subject.pid))) return t.skip('could not get the same PID again: the node forks too much', () => undefined);
  t.equal(readStat(subject.pid)?.comm, 'sleep', `PID ${subject.pid} now names a host sleep`);

  t.notOk(admitted.stillSame(), 'the guard sees the reuse');
  // Were the spawn to race past that guard: nsenter enters what was checked, never the new PID's.
  const [file, args] = programOf(admitted.argv);
  const r = await execa(file, args, { reject: false });
  t.equal(r.stdout, 'reuse-me', "the pinned UTS namespace is the dead container's, not the host's");
  admitted.end({ result: 'ok', exitCode: 0, bytesIn: 0, bytesOut: 0 });

  // A lookup made before the reuse is refused outright: the opened files fail the start-time check.
  await t.rejects(svc.exec({ subject, target: 'victim', command: ['hostname'], namespaces: 'all', user }), { code: 'NOT_RUNNING', message: /process \d+ changed since it was looked up/ });
  t.equal(svc.activeSessions, 0);
});
