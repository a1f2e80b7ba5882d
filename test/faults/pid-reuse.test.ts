// Fault: a container exits between lookup and exec, and its init PID is reused by another process: 409/404, never the wrong process.
import t, { type Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { demoClusterFor, NODE } from '../helpers/cluster.js';
import { spawnFor, waitFor } from '../helpers/lab.js';
import { ExecService } from '../../agent/exec/service.js';
import { readStat } from '../../agent/procfs/proc.js';
import type { Agent } from '../../agent/server/compose.js';

const user = { username: 'dev', groups: [] };

async function post(agent: Agent, url: string, body: object, token = 'admin-token'): Promise<{ status: number; body: any }> {
  const r = await agent.app.inject({ method: 'POST', url, payload: body, headers: { authorization: `Bearer ${token}` } });
  return { status: r.statusCode, body: r.json() };
}

/** Spawns `sleep` until it gets exactly `pid` (ns_last_pid steers the next PID); undefined if the node is too busy. */
async function takePid(t: Test, pid: number): Promise<number | undefined> {
  for (let i = 0; i < 30; i++) {
    writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
    const child = spawnFor(t, 'sleep', ['3600']);
    if (child.pid === pid) return pid;
    process.kill(child.pid as number, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

t.test('the container exits between lookup and exec', async (t) => {
  const { lab, pod, srv, agent } = await demoClusterFor(t);
  srv.auth.allow({ user: 'node-admin', verb: 'create', resource: 'nodes', subresource: 'proxy', name: NODE });
  const svc = new ExecService({ info: () => undefined });
  const looked = agent.engine.containerSubject(pod.app.id);
  await lab.kill(pod.app.id);
  await waitFor('the app to be gone', () => (readStat(pod.app.pid) ? undefined : true), 10_000);

  await t.rejects(svc.exec({ subject: looked, target: 'shop/web/app', command: ['true'], namespaces: 'all', user }), {
    code: 'NOT_RUNNING',
    message: `shop/web/app: process ${pod.app.pid} changed since it was looked up (exited, or its PID was reused)`,
  }, 'the guard refuses the stale subject');
  t.equal(svc.activeSessions, 0, 'no slot held');

  // Through the API: the pod cache still says running; the node says otherwise.
  const viaPod = await post(agent, '/v1/pods/shop/web/containers/app/exec', { command: ['true'] });
  t.equal(viaPod.status, 409);
  t.match(viaPod.body.error.message, 'container app of pod shop/web is running per the API, but not on this node');
  const viaId = await post(agent, `/v1/containers/${pod.app.id}/exec`, { command: ['true'] }, 'admin-token');
  t.equal(viaId.status, 404, 'by ID: its cgroup is gone');
  t.match(viaId.body.error.message, `no container ${pod.app.id} on this node`);
  // The rest of the pod is still served, the exited container shown as missing.
  const view = await agent.app.inject({ method: 'GET', url: '/v1/pods/shop/web', headers: { authorization: 'Bearer debugger-token' } });
  t.equal(view.statusCode, 200);
  t.equal(view.json().containers.find((c: { name: string }) => c.name === 'app').state, 'missing');
});

t.test("the container's init PID is reused by another process", async (t) => {
  const { lab, pod, agent } = await demoClusterFor(t);
  const svc = new ExecService({ info: () => undefined });
  const looked = agent.engine.containerSubject(pod.debuggerNoTarget.id);
  const pid = looked.pid;
  await lab.kill(pod.debuggerNoTarget.id);
  await waitFor('the container to be gone', () => (readStat(pid) ? undefined : true), 10_000);
  const reused = await takePid(t, pid);
  if (reused === undefined) return t.skip('could not get the same PID again: the node forks too much', () => undefined);
  t.equal(readStat(pid)?.comm, 'sleep', `PID ${pid} now belongs to a host sleep`);

  const r = svc.exec({ subject: looked, target: 'shop/web/debugger-notarget', command: ['hostname'], namespaces: 'all', user });
  await t.rejects(r, { code: 'NOT_RUNNING', message: /process \d+ changed since it was looked up \(exited, or its PID was reused\)/ }, 'never runs in the new process');
  const who = await agent.app.inject({ method: 'GET', url: `/v1/processes/${pid}`, headers: { authorization: 'Bearer admin-token' } });
  t.equal(who.statusCode, 200);
  t.notOk(who.json().containerID, 'the new process is not attributed to the dead container');
  const again = await post(agent, '/v1/pods/shop/web/containers/debugger-notarget/exec', { command: ['true'] });
  t.equal(again.status, 409, 'a fresh lookup sees the container gone, not the PID');
});
