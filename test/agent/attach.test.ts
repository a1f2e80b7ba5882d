// Attach over a real WebSocket to a real pty and real nsenter in runc containers: I/O, resize, limits, cleanup.
import t, { type Test } from 'tap';
import { readdirSync, readlinkSync } from 'node:fs';
import WebSocket from 'ws';
import { apiServerFor, agentFor, demoPodJson, NODE } from '../helpers/cluster.js';
import { running } from '../helpers/children.js';
import { labFor, waitFor } from '../helpers/lab.js';
import { startDemoPod, type DemoPod } from '../../lab/pod.js';
import { type Agent, buildAgent } from '../../agent/server/compose.js';
import { Writable } from 'node:stream';
import { attachURL, openAttach } from '../../cli/cluster/attach-client.js';
import { CH, frame } from '../../agent/protocol/frames.js';

const POD_URL = '/v1/pods/shop/web/containers/app/attach';

async function setup(t: Test, opts: { maxExecSessions?: number; execIdleSeconds?: number } = {}): Promise<{ agent: Agent; base: string; pod: DemoPod }> {
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  const srv = await apiServerFor(t);
  srv.auth.allow({ user: 'node-admin', verb: 'create', resource: 'nodes', subresource: 'proxy', name: NODE });
  srv.pods.add(demoPodJson(pod));
  const agent = await agentFor(t, srv, opts);
  const base = await agent.app.listen({ host: '127.0.0.1', port: 0 });
  return { agent, base, pod };
}

/** A session whose output accumulates in `out`, closed at teardown. */
async function attach(t: Test, base: string, path: string, p: { command: string[]; tty: boolean; namespaces?: string; token?: string }) {
  const io = { out: '', err: '' };
  const conn = await openAttach(attachURL(base, path, { command: p.command, tty: p.tty, namespaces: p.namespaces ?? 'all', cols: 80, rows: 24 }), p.token ?? 'admin-token', NODE, {
    stdout: (b) => (io.out += b.toString()),
    stderr: (b) => (io.err += b.toString()),
  });
  t.teardown(() => conn.close());
  return { conn, io };
}

const until = (what: string, f: () => boolean, ms = 10_000): Promise<true> => waitFor(what, () => (f() ? true : undefined), ms);

/**
 * busybox ash asks the terminal for the cursor position (ESC[6n) before its first prompt and may
 * swallow what is typed meanwhile: type once the prompt is there, as a person would.
 */
async function prompt(io: { out: string }): Promise<void> {
  await until('the shell prompt', () => /# (\x1b\[6n)?$/.test(io.out));
  await new Promise((r) => setTimeout(r, 200));
}

/** Our own open pty masters: node-pty must close every one it opened. */
function openPtys(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === '/dev/ptmx') n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

t.test('an interactive shell: echo, resize, exit code, cleanup', async (t) => {
  const { agent, base } = await setup(t);
  const ptysBefore = openPtys();
  const { conn, io } = await attach(t, base, POD_URL, { command: ['sh'], tty: true });
  await prompt(io);
  conn.write('echo hi-$((40+2))\n');
  await until('the echo', () => io.out.includes('hi-42'));
  conn.resize(101, 33);
  conn.write('stty size\n');
  await until('stty size after a resize', () => io.out.includes('33 101'));
  conn.write('hostname\n');
  await until('the container hostname', () => /\bweb\r?\n/.test(io.out));
  conn.write('exit 7\n');
  const status = await conn.done;
  t.same(status, { exitCode: 7, reason: 'exit' }, 'the exit code comes back in the status frame');
  await until('the pty closed', () => openPtys() === ptysBefore);
  const m = (await agent.metricsApp.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(m, /nsinspect_exec_sessions_total\{mode="all",result="ok"\} 1/);
  t.match(m, /nsinspect_exec_sessions_active 0/);
});

t.test('a client that disconnects takes every process of its session with it', async (t) => {
  const { base } = await setup(t);
  const ptysBefore = openPtys();
  const { conn, io } = await attach(t, base, POD_URL, { command: ['sh'], tty: true });
  await prompt(io);
  // A background job in its own process group, one that ignores SIGHUP, and a foreground one.
  conn.write('sleep 1231 &\n');
  conn.write('trap "" HUP; sleep 1232 &\n');
  conn.write('echo ready; sleep 1233\n');
  await until('the jobs started', () => io.out.includes('ready') && running(['sleep', '1233']).length === 1);
  t.equal(running(['sleep', '1231']).length + running(['sleep', '1232']).length, 2);
  conn.close();
  await until('no process of the session left', () => ['1231', '1232', '1233'].every((n) => running(['sleep', n]).length === 0));
  await until('the pty closed', () => openPtys() === ptysBefore);
  t.pass('no orphans, no open pty');
});

t.test('without a tty: separate stdout and stderr, stdin EOF, exit code', async (t) => {
  const { base } = await setup(t);
  const { conn, io } = await attach(t, base, POD_URL, { command: ['sh', '-c', 'cat; echo oops >&2; exit 3'], tty: false });
  conn.write('line one\n');
  conn.closeStdin();
  t.same(await conn.done, { exitCode: 3, reason: 'exit' });
  t.equal(io.out, 'line one\n');
  t.equal(io.err, 'oops\n');
});

t.test('out-of-order and malformed frames are dropped, the session goes on', async (t) => {
  const { base } = await setup(t);
  const u = attachURL(base, POD_URL, { command: ['cat'], tty: false, namespaces: 'all' });
  const ws = new WebSocket(u, { headers: { authorization: 'Bearer admin-token' } });
  t.teardown(() => ws.terminate());
  let out = '';
  ws.on('message', (d: Buffer) => {
    if (d[0] === CH.stdout) out += d.subarray(1).toString();
  });
  await new Promise((r) => ws.once('open', r));
  ws.send(frame(CH.resize, 'not json'));
  ws.send(frame(CH.resize, JSON.stringify({ cols: -1, rows: 1e9 })));
  ws.send('text frame', { binary: false });
  ws.send(Buffer.alloc(0));
  ws.send(frame(9, 'unknown channel'));
  ws.send(frame(CH.status, '{"exitCode":0}'));
  ws.send(frame(CH.stdin, 'still here\n'));
  await until('the echo after the garbage', () => out === 'still here\n');
  t.pass();
});

t.test('refusals are HTTP answers before the upgrade', async (t) => {
  const { base, pod } = await setup(t, { maxExecSessions: 1 });
  const refuse = (path: string, token: string, command = ['true']) =>
    openAttach(attachURL(base, path, { command, tty: false, namespaces: 'all' }), token, NODE, { stdout: () => undefined, stderr: () => undefined }).then(
      (c) => {
        c.close();
        return 'opened';
      },
      (e: { code: string }) => e.code,
    );
  t.equal(await refuse(POD_URL, ''), 'UNAUTHENTICATED', 'no token: 401');
  t.equal(await refuse(POD_URL, 'viewer-token'), 'FORBIDDEN', 'get pods is not enough: create pods/exec (kubernetes#78741)');
  t.equal(await refuse(`/v1/containers/${pod.app.id}/attach`, 'debugger-token'), 'FORBIDDEN', 'node-level needs nodes/proxy');
  t.equal(await refuse(`/v1/containers/${pod.app.id}/attach`, 'admin-token'), 'opened', 'node-level with create nodes/proxy');
  t.equal(await refuse('/v1/pods/shop/web/containers/nope/attach', 'admin-token'), 'NOT_FOUND');
  t.equal(await refuse(POD_URL, 'admin-token', ['']), 'INVALID', 'an empty program name');
  const plain = await fetch(new URL(`${POD_URL}?command=true`, base), { headers: { authorization: 'Bearer admin-token' } });
  t.equal(plain.status, 400, 'a GET without an upgrade');
  t.match((await plain.json()) as object, { error: { code: 'INVALID', message: /WebSocket/ } });

  await waitFor('the node-level session ended', async () => ((await (await fetch(new URL('/healthz', base))).json()) ? true : undefined));
  const first = await attach(t, base, POD_URL, { command: ['sleep', '1241'], tty: false });
  t.equal(await refuse(POD_URL, 'admin-token'), 'TOO_MANY', 'the second session over the limit: 429');
  first.conn.close();
  await until('the sleeper gone', () => running(['sleep', '1241']).length === 0);
});

t.test('idle timeout and agent shutdown end sessions with a reason', async (t) => {
  const { agent, base } = await setup(t, { execIdleSeconds: 1 });
  const idle = await attach(t, base, POD_URL, { command: ['sleep', '1251'], tty: true });
  const st = await idle.conn.done;
  t.equal(st.reason, 'idle');
  await until('the idle sleeper gone', () => running(['sleep', '1251']).length === 0);

  const live = await attach(t, base, POD_URL, { command: ['sh', '-c', 'while :; do echo tick; sleep 0.2; done'], tty: false });
  await until('output flowing', () => live.io.out.includes('tick'));
  await agent.close();
  t.equal((await live.conn.done).reason, 'shutdown');
  t.same(running(['sleep', '0.2']).length, 0, 'its processes are gone');
});

t.test('interactive sessions are audited: one line at the start, one at the end', async (t) => {
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  const srv = await apiServerFor(t);
  srv.pods.add(demoPodJson(pod));
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const agent = await buildAgent({ kubeconfig: srv.kubeconfigPath, nodeName: NODE, auth: 'kubernetes', metricsContainerInodes: false, nodeScanIntervalMs: 60_000, execCgroupParent: '/' }, { level: 'info', stream });
  t.teardown(() => agent.close());
  agent.start();
  await waitFor('the first pod sync', () => (agent.pods?.synced() ? true : undefined), 10_000);
  const base = await agent.app.listen({ host: '127.0.0.1', port: 0 });
  const { conn } = await attach(t, base, POD_URL, { command: ['echo', 'x'], tty: true, namespaces: 'uts,net' });
  t.same(await conn.done, { exitCode: 0, reason: 'exit' });
  const [start, end] = await waitFor('the end line', () => {
    const [s, e, ...more] = lines.filter((l) => l.audit === 'exec');
    return s && e && !more.length ? ([s, e] as const) : undefined;
  });
  t.match(start, { phase: 'start', user: 'node-admin', groups: ['system:authenticated'], permissions: ['create nodes/proxy (node "node-a")', 'create pods/exec in namespace "shop" (name "web")'], target: 'shop/web/app', namespaces: ['net', 'uts'], argv: ['echo', 'x'], tty: true });
  t.match(end, { phase: 'end', user: 'node-admin', exitCode: 0, reason: 'exit', bytesIn: 0, tty: true });
  t.ok((end.bytesOut as number) >= 3, 'bytes out counted');
  t.ok(typeof end.end === 'string' && typeof end.start === 'string');
});

t.test('a process that leaves the session with setsid is still reaped, one-shot or attached', async (t) => {
  const { agent, base } = await setup(t);
  const r = await agent.app.inject({ method: 'POST', url: '/v1/pods/shop/web/containers/app/exec', headers: { authorization: 'Bearer admin-token' }, payload: { command: ['sh', '-c', 'setsid sleep 1281 & echo started'], namespaces: 'all' } });
  t.equal(r.json().stdout, 'started\n');
  await until('the setsid sleeper of the one-shot exec gone', () => running(['sleep', '1281']).length === 0);
  const { conn, io } = await attach(t, base, POD_URL, { command: ['sh'], tty: true });
  await prompt(io);
  conn.write('setsid sleep 1282 & echo bg-$((1+1))\n');
  await until('started', () => io.out.includes('bg-2') && running(['sleep', '1282']).length === 1).catch((e: Error) => {
    throw new Error(`${e.message}: output ${JSON.stringify(io.out)}, sleepers ${running(['sleep', '1282']).length}`);
  });
  conn.write('exit\n');
  await conn.done;
  await until('the setsid sleeper of the attached session gone', () => running(['sleep', '1282']).length === 0);
  t.pass();
});
