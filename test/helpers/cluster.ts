// Test helpers joining the fake API server and real runc containers: pods whose containerIDs are real.
import type { Test } from 'tap';
import { type FakeApiServer, type PodJson, makePod, startFakeApiServer } from '../fake-apiserver/index.js';
import type { DemoPod } from '../../lab/pod.js';

export const NODE = 'node-a';
/** Exec session cgroups of test agents go under the root cgroup (beside the lab's), never beside the test runner's own. */
export const TEST_CGROUP_PARENT = '/';

/** A fake API server closed at teardown, with users for the authorization matrix. */
export async function apiServerFor(t: Test): Promise<FakeApiServer> {
  const srv = await startFakeApiServer();
  t.teardown(() => srv.close());
  srv.auth.addUser('viewer-token', { username: 'viewer', groups: ['system:authenticated'] });
  srv.auth.addUser('debugger-token', { username: 'dev', groups: ['system:authenticated', 'debuggers'] });
  srv.auth.addUser('admin-token', { username: 'node-admin', groups: ['system:authenticated'] });
  srv.auth.addUser('nobody-token', { username: 'nobody', groups: ['system:authenticated'] });
  srv.auth.allow({ user: 'viewer', verb: 'get', resource: 'pods', namespace: 'shop' });
  srv.auth.allow({ group: 'debuggers', verb: 'get', resource: 'pods' });
  srv.auth.allow({ group: 'debuggers', verb: 'create', resource: 'pods', subresource: 'exec' });
  // The nsinspect-node-admin role: node-level views and every exec (create nodes/proxy, plus pods/exec for exec by pod).
  srv.auth.allow({ user: 'node-admin', verb: 'get', resource: 'nodes', subresource: 'proxy', name: NODE });
  srv.auth.allow({ user: 'node-admin', verb: 'create', resource: 'nodes', subresource: 'proxy', name: NODE });
  srv.auth.allow({ user: 'node-admin', verb: 'get', resource: 'pods' });
  srv.auth.allow({ user: 'node-admin', verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'shop' });
  return srv;
}

/**
 * The demo pod as the API would show it after `kubectl debug --target=app` and a plain
 * `kubectl debug`: containerIDs are the real runc containers'.
 */
export function demoPodJson(pod: DemoPod, name = 'web', namespace = 'shop'): PodJson {
  const p = makePod({
    name,
    namespace,
    nodeName: NODE,
    containers: ['app'],
    ephemeralContainers: [{ name: 'debugger', targetContainerName: 'app' }, { name: 'debugger-notarget' }],
  });
  p.metadata.uid = pod.uid;
  const ids: Record<string, string> = { app: pod.app.id, debugger: pod.debugger.id, 'debugger-notarget': pod.debuggerNoTarget.id };
  const fix = (statuses: Array<{ name: string; containerID?: string; state?: object }> | undefined): void => {
    for (const s of statuses ?? []) {
      if (ids[s.name]) s.containerID = `containerd://${ids[s.name]}`;
    }
  };
  fix(p.status?.containerStatuses);
  p.status ??= {};
  p.status.ephemeralContainerStatuses = ['debugger', 'debugger-notarget'].map((n) => ({
    name: n, image: 'busybox:1.36', imageID: '', ready: false, restartCount: 0, lastState: {}, containerID: `containerd://${ids[n]}`,
    state: { running: { startedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } },
  }));
  return p;
}

import { buildAgent, type Agent } from '../../agent/server/compose.js';
import { waitFor } from './lab.js';

/** An in-process agent against the fake API server, closed at teardown; resolves once pods synced. */
export async function agentFor(t: Test, srv: FakeApiServer, opts: { auth?: 'kubernetes' | 'none'; containerInodes?: boolean; wait?: boolean; maxExecSessions?: number; execIdleSeconds?: number } = {}): Promise<Agent> {
  const agent = await buildAgent(
    { kubeconfig: srv.kubeconfigPath, nodeName: NODE, auth: opts.auth ?? 'kubernetes', metricsContainerInodes: opts.containerInodes ?? false, nodeScanIntervalMs: 60_000, maxExecSessions: opts.maxExecSessions, execIdleSeconds: opts.execIdleSeconds, execCgroupParent: TEST_CGROUP_PARENT },
    false,
  );
  t.teardown(() => agent.close());
  agent.start();
  if (opts.wait !== false) await waitFor('the first pod sync', () => (agent.pods?.synced() ? true : undefined), 10_000);
  return agent;
}

/** GET through app.inject with a bearer token; returns status and parsed JSON. */
export async function get(agent: Agent, url: string, token?: string): Promise<{ status: number; body: any }> {
  const r = await agent.app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
  let body: unknown;
  try {
    body = r.json();
  } catch {
    body = r.body;
  }
  return { status: r.statusCode, body };
}

/** The usual fixture: a demo pod of real containers, the fake API server showing it, and a synced agent. */
export async function demoClusterFor(t: Test) {
  const { labFor } = await import('./lab.js');
  const { startDemoPod } = await import('../../lab/pod.js');
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  const srv = await apiServerFor(t);
  srv.pods.add(demoPodJson(pod));
  const agent = await agentFor(t, srv);
  return { lab, pod, srv, agent };
}

/** An agent pod on node-a as the DaemonSet creates it: labelled, and controlled by DaemonSet nsinspect-agent (the CLI checks both). */
export function agentPodJson(name: string, opts: { owner?: { kind: string; name: string; controller: boolean } | null } = {}): PodJson {
  const p = makePod({ name, namespace: 'nsinspect-system', nodeName: NODE, labels: { 'app.kubernetes.io/name': 'nsinspect', 'app.kubernetes.io/component': 'agent' } });
  const owner = opts.owner === undefined ? { kind: 'DaemonSet', name: 'nsinspect-agent', controller: true } : opts.owner;
  if (owner) p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', ...owner, uid: '5d3c1a8e-0000-4000-8000-00000000da75', blockOwnerDeletion: true }];
  return p;
}

/**
 * The whole path as a user meets it: the demo pod, an agent pod (nsinspect-x7k2p) on node-a
 * whose port 9742 the fake API server port-forwards to a listening agent, and a user kubeconfig
 * (debugger-token, namespace shop) for the CLI.
 */
export async function portForwardClusterFor(t: Test) {
  const { lab, pod, srv, agent } = await demoClusterFor(t);
  srv.pods.add(agentPodJson('nsinspect-x7k2p'));
  const url = new URL(await agent.app.listen({ host: '127.0.0.1', port: 0 }));
  srv.portForward.set('nsinspect-system', 'nsinspect-x7k2p', 9742, { port: Number(url.port) });
  const kubeconfig = `${srv.dir}/user.kubeconfig`;
  srv.writeKubeconfig(kubeconfig, { token: 'debugger-token', namespace: 'shop' });
  return { lab, pod, srv, agent, kubeconfig };
}
