// Exec through the agent on real runc containers with the real nsenter: output, limits, safety, no orphans.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { waitFor } from '../helpers/lab.js';
import { demoClusterFor } from '../helpers/cluster.js';
import type { Agent } from '../../agent/server/compose.js';

async function post(agent: Agent, url: string, body: unknown, token = 'admin-token'): Promise<{ status: number; body: any }> {
  const r = await agent.app.inject({ method: 'POST', url, payload: body as object, headers: { authorization: `Bearer ${token}` } });
  return { status: r.statusCode, body: r.json() };
}

/** Processes whose process group leader is gone but whose group is pgid: what a leak would leave. */
function inGroup(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

t.test('exec in a pod container', async (t) => {
  const { agent } = await demoClusterFor(t);
  const url = '/v1/pods/shop/web/containers/app/exec';

  const host = await post(agent, url, { command: ['hostname'], namespaces: ['uts'] });
  t.equal(host.status, 200);
  t.same(host.body, { exitCode: 0, stdout: 'web\n', stderr: '', truncated: false, durationMs: host.body.durationMs });

  const ps = await post(agent, url, { command: ['ps', '-e', '-o', 'pid=,args='] });
  const rows = (ps.body.stdout as string).trim().split('\n').map((l) => l.trim().split(/\s+/));
  const listed = rows.filter((r) => r[1] !== 'ps').map((r) => Number(r[0])).sort((a, b) => a - b);
  const hostSide = await agent.app.inject({ method: 'GET', url: '/v1/pods/shop/web/containers/app/processes', headers: { authorization: 'Bearer debugger-token' } });
  t.same(listed, hostSide.json().processes.map((p: { nspid: number }) => p.nspid).sort((a: number, b: number) => a - b), '--ns tools ps lists exactly the container pid namespace, with NSpids');

  const all = await post(agent, url, { command: ['ls', '-l', '/bin/ps'], namespaces: 'all' });
  t.match(all.body.stdout, '/bin/ps -> busybox', "--ns all runs the container's own busybox");

  t.equal((await post(agent, url, { command: ['sh', '-c', 'exit 42'], namespaces: 'all' })).body.exitCode, 42, 'exit codes pass through');
  t.equal((await post(agent, url, { command: ['cat'], namespaces: 'all', stdin: 'hello\n' })).body.stdout, 'hello\n', 'stdin');

  const literal = ['; echo pwned', '$(echo pwned)', '`echo pwned`', 'a\nb', '--', '--all'];
  const echo = await post(agent, url, { command: ['echo', ...literal], namespaces: 'all' });
  t.equal(echo.body.stdout, literal.join(' ') + '\n', 'injection attempts stay literal arguments');

  const big = await post(agent, url, { command: ['sh', '-c', 'yes | head -c 3000000'], namespaces: 'all' });
  t.equal(big.body.truncated, true);
  t.equal(big.body.stdout.length, 1024 * 1024, 'output capped at 1 MiB');

  const before = Date.now();
  // A duration of this run's own: another run's leftover `sleep 300` is not ours to count.
  const secs = String(300_000 + Math.floor(Math.random() * 99_999));
  const slow = await post(agent, url, { command: ['sh', '-c', `sleep ${secs} & sleep ${secs} & sleep ${secs}`], namespaces: 'all', timeoutSeconds: 1 });
  t.ok(Date.now() - before < 10_000, 'the timeout is honoured');
  t.equal(slow.body.exitCode, 137, 'killed');
  const sleepers = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).filter((n) => {
    try {
      return readFileSync(`/proc/${n}/cmdline`, 'utf8') === `sleep\x00${secs}\x00`;
    } catch {
      return false;
    }
  });
  t.same(sleepers, [], 'the whole tree is gone, background children included');

  // The answer does not wait for the reap; the slot and the metric follow when it is done.
  const m = await waitFor('the session counted as ended', async () => {
    const body = (await agent.metricsApp.inject({ method: 'GET', url: '/metrics' })).body;
    return /nsinspect_exec_sessions_active 0/.test(body) ? body : undefined;
  });
  t.match(m, /nsinspect_exec_sessions_total\{mode="all",result="timeout"\} 1/);
});

t.test('PID reuse, concurrency, authorization and bad bodies', async (t) => {
  const { pod, agent } = await demoClusterFor(t);
  const url = '/v1/pods/shop/web/containers/app/exec';

  // The PID-reuse guard: the resolved process must still be the same right before nsenter.
  const s = agent.engine.containerSubject(pod.app.id);
  const { ExecService } = await import('../../agent/exec/service.js');
  const svc = new ExecService({ info: () => undefined });
  await t.rejects(svc.exec({ subject: { ...s, startTime: s.startTime - 1 }, target: 'x', command: ['true'], namespaces: 'tools', user: { username: 'u', groups: [] } }), { code: 'NOT_RUNNING' });

  const limited = new ExecService({ info: () => undefined }, { maxSessions: 1, maxOutputBytes: 1024, cgroupParent: '/' });
  const first = limited.exec({ subject: s, target: 'x', command: ['sleep', '1'], namespaces: 'all', user: { username: 'u', groups: [] } });
  await t.rejects(limited.exec({ subject: s, target: 'x', command: ['true'], namespaces: 'all', user: { username: 'u', groups: [] } }), { code: 'TOO_MANY' }, 'over the limit');
  t.equal((await first).exitCode, 0);

  t.equal((await post(agent, url, { command: ['true'] }, 'viewer-token')).status, 403, 'viewers may not exec');
  const denied = await post(agent, `/v1/containers/${pod.app.id}/exec`, { command: ['true'] }, 'debugger-token');
  t.equal(denied.status, 403);
  t.match(denied.body.error.message, 'cannot create nodes/proxy');
  for (const body of [{}, { command: [] }, { command: 'ps -ef' }, { command: ['ps'], namespaces: 'bogus' }, { command: ['ps'], timeoutSeconds: 601 }, { command: ['ps'], shell: true }, { command: ['a\u0000b'] }]) {
    const r = await post(agent, url, body);
    t.equal(r.status, 400, JSON.stringify(body));
  }
  t.equal(inGroup(process.pid).length, 0, 'no process left in a group of ours');
});
