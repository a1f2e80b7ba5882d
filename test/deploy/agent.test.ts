// The DaemonSet's command, args, env, ports and probes against the real `nsinspect agent`; the dashboard and alerts against its live /metrics.
import t, { type Test } from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { MANIFESTS, ROOT, agentDaemonSet, find, render } from './render.js';
import { exportedNames, metricNames, queries } from './promql.js';
import { apiServerFor, demoPodJson, NODE } from '../helpers/cluster.js';
import { labFor, waitFor } from '../helpers/lab.js';
import { startDemoPod } from '../../lab/pod.js';
import { isLoopback, parseListen } from '../../agent/server/run.js';
import { AGENT_PORT } from '../../cli/cluster/session.js';

const CLI = join(ROOT, 'dist/cli/main.js');
const { ds, container } = agentDaemonSet();

/** The image's ENTRYPOINT, as JSON in the Dockerfile. */
function entrypoint(): string[] {
  const json = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
  if (json === undefined) throw new Error('the Dockerfile has no exec-form ENTRYPOINT');
  return JSON.parse(json) as string[];
}

/**
 * What the container runs, as node and argv here: the DaemonSet's command (node, its flags, the
 * image's nsinspect entry, agent) when it has one, else the image's ENTRYPOINT; then its args.
 */
function agentCommand(t: Test): string[] {
  const command: string[] | undefined = container.command;
  if (!command) {
    const [bin, ...sub] = entrypoint();
    t.equal(bin, 'nsinspect');
    return [CLI, ...sub, ...container.args];
  }
  const script = command.findIndex((a) => !a.startsWith('-') && a !== 'node');
  const bin = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin.nsinspect ?? 'no nsinspect in package.json bin';
  t.equal(command[0], 'node', "the command runs the image's node");
  t.equal(command[script], `/opt/nsinspect/${bin}`, "then the image's nsinspect entry (the Dockerfile puts it there)");
  t.same(command.slice(script + 1), ['agent'], 'as the agent');
  return [...command.slice(1, script), join(ROOT, bin), 'agent', ...container.args];
}

/** The flag's value in the DaemonSet's args (--flag=value or --flag value). */
function flag(name: string): string {
  const args: string[] = container.args;
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  const arg = i < 0 ? undefined : args[i];
  if (arg === undefined) throw new Error(`the DaemonSet does not pass ${name}`);
  const value = arg.includes('=') ? arg.slice(name.length + 1) : args[i + 1];
  if (value === undefined) throw new Error(`the DaemonSet passes ${name} last, with no value`);
  return value;
}

/** The container's env, downward-API fields filled in as the kubelet would on node-a. */
function env(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of container.env) {
    if (e.value !== undefined) out[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'spec.nodeName') out[e.name] = NODE;
    else throw new Error(`env ${e.name}: unsupported source ${JSON.stringify(e.valueFrom)}`);
  }
  return out;
}

const portNamed = (p: number | string): number => (typeof p === 'number' ? p : container.ports.find((x: { name: string }) => x.name === p).containerPort);

t.test('ports and names agree across the DaemonSet, the CLI, the Service, the ServiceMonitor and the NetworkPolicy', async (t) => {
  const api = parseListen(flag('--listen'));
  const metrics = parseListen(flag('--metrics-listen'));
  t.ok(isLoopback(api.host), 'the API listens on loopback inside the pod');
  t.equal(api.port, AGENT_PORT, 'the port the CLI port-forwards to');
  t.equal(metrics.host, '0.0.0.0', 'metrics reachable on the pod IP');
  t.same(container.ports.map((p: { containerPort: number }) => p.containerPort), [metrics.port], 'only the metrics port is declared');
  t.equal(ds.spec.template.spec.hostNetwork, false);
  t.equal(ds.spec.template.spec.hostPID, true);
  for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) t.equal(portNamed(container[probe].httpGet.port), metrics.port, `${probe} on the metrics port`);
  const svc = find(render(MANIFESTS), 'Service', 'nsinspect-agent-metrics');
  t.equal(portNamed(svc.spec.ports[0].targetPort), metrics.port);
  t.same(svc.spec.selector, ds.spec.selector.matchLabels);
  const sm = find(render(join(MANIFESTS, 'with-prometheus')), 'ServiceMonitor');
  t.equal(sm.spec.endpoints[0].port, svc.spec.ports[0].name);
  t.same(sm.spec.selector.matchLabels, svc.metadata.labels);
  const np = find(render(MANIFESTS), 'NetworkPolicy');
  t.same(np.spec.ingress.flatMap((r: { ports: Array<{ port: number }> }) => r.ports.map((p) => p.port)), [metrics.port]);
  t.same(np.spec.podSelector.matchLabels, ds.spec.selector.matchLabels);
  t.equal(ds.spec.template.metadata.labels['app.kubernetes.io/name'], 'nsinspect', 'the label the CLI finds agents by');
});

t.test('every env variable is one the agent or Node.js reads', async (t) => {
  const main = readFileSync(join(ROOT, 'cli/main.ts'), 'utf8');
  for (const [name, value] of Object.entries(env())) {
    if (name === 'NODE_OPTIONS') {
      const r = await execa(process.execPath, ['-e', 'process.stdout.write(String(require("v8").getHeapStatistics().heap_size_limit >> 20))'], { env: { NODE_OPTIONS: value }, extendEnv: false });
      t.ok(Number(r.stdout) >= 256 && Number(r.stdout) < 384, `NODE_OPTIONS ${value}: heap limit ${r.stdout} MiB, under the 384Mi memory limit`);
    } else if (name === 'MALLOC_ARENA_MAX') {
      // Read by glibc's malloc, not by the agent: the image is Debian (glibc), as this machine.
      t.match(value, /^[1-9]$/, `${name}=${value}: a small arena cap`);
    } else {
      t.match(main, `.env('${name}')`, `${name} is an env twin of an agent flag`);
    }
  }
  t.equal(container.resources.limits.memory, '384Mi');
});

t.test('the DaemonSet\'s command line starts the agent; its probes answer on its ports; metrics feed the dashboard', async (t) => {
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  const srv = await apiServerFor(t);
  srv.pods.add(demoPodJson(pod));
  // In a cluster the config is in-cluster; here the fake API server's kubeconfig stands in for it.
  const child = execa(process.execPath, agentCommand(t), {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: mkdtempSync(join(tmpdir(), 'nsi-deploy-')), ...env(), NSINSPECT_KUBECONFIG: srv.kubeconfigPath },
    extendEnv: false, reject: false, all: true,
  });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  const metricsPort = parseListen(flag('--metrics-listen')).port;
  const probe = async (p: { httpGet: { path: string; port: string | number } }): Promise<number> => {
    try {
      return (await fetch(`http://127.0.0.1:${portNamed(p.httpGet.port)}${p.httpGet.path}`)).status;
    } catch {
      return 0;
    }
  };
  await waitFor('the startup probe', async () => ((await probe(container.startupProbe)) === 200 ? true : undefined), 60_000).catch((err: Error) => {
    throw new Error(`${err.message}; agent output: ${child.exitCode ?? 'running'} ${String((child as unknown as { all?: string }).all ?? '')}`);
  });
  t.equal(await probe(container.livenessProbe), 200, `liveness ${container.livenessProbe.httpGet.path}`);
  await waitFor('the readiness probe', async () => ((await probe(container.readinessProbe)) === 200 ? true : undefined), 15_000);
  t.pass(`readiness ${container.readinessProbe.httpGet.path} is 200 once synced`);

  const api = `http://127.0.0.1:${parseListen(flag('--listen')).port}`;
  t.equal((await fetch(`${api}/v1/pods/shop/web`)).status, 401, '--auth kubernetes: a token is required');
  const diff = await fetch(`${api}/v1/pods/shop/web/diff?debugger=debugger`, { headers: { authorization: 'Bearer viewer-token' } });
  t.equal(diff.status, 200, 'the API port answers a diff');

  // --metrics-auth=kubernetes: Prometheus's token, allowed by the component's ClusterRole as written.
  t.equal((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status, 401, '/metrics needs a token');
  const prom = 'system:serviceaccount:monitoring:kube-prometheus-stack-prometheus';
  srv.auth.addUser('prometheus-token', { username: prom, groups: ['system:serviceaccounts', 'system:authenticated'] });
  const reader = find(render(join(MANIFESTS, 'with-prometheus')), 'ClusterRole', 'nsinspect-metrics-reader');
  for (const r of reader.rules) srv.auth.allow({ user: prom, verb: r.verbs, nonResourceURLs: r.nonResourceURLs });
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: { authorization: 'Bearer viewer-token' } });
  t.equal(res.status, 403, 'a user without the rule');
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: { authorization: 'Bearer prometheus-token' } })).text();
  t.match(text, /^nsinspect_ephemeral_container_info\{/m, 'the demo pod\'s debuggers are exported');
  const exported = exportedNames(text);
  for (const q of queries()) {
    const names = metricNames(q.expr);
    t.ok(names.length > 0, `${q.where} uses a metric`);
    t.same(names.filter((n) => !exported.has(n)), [], `${q.where}: every metric is exported (${names.join(', ')})`);
  }

  child.kill('SIGTERM');
  const r = await child;
  t.equal(r.exitCode, 0, 'SIGTERM: drained and exited 0');
});
