// Owns the cluster-command speed benchmark (issues 15, 16): ephemeral and diff through the port-forward against the fake API server beside kubectl get --raw, and --help and lsns -o json beside node -e 0.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildAgent, type Agent } from '../agent/server/compose.js';
import { Lab, randomHex } from '../lab/runc.js';
import { type DemoPod, startDemoPod } from '../lab/pod.js';
import { type FakeApiServer, makePod, startFakeApiServer } from '../test/fake-apiserver/index.js';
import { type Calm, codeVersion, machineInfo, procCount, waitCalm } from './agent-report.js';
import { percentile, round, series, timeCommand, type Series } from './measure.js';
import { pad } from './report.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODE = process.execPath;
/** The installed entry as package.json's bin names it: the bundle when built, else the tsc output's entry. */
const BUNDLE = join(ROOT, 'dist/cli/bundle/nsinspect.cjs');
const ENTRY = join(ROOT, 'dist/cli/nsinspect.cjs');
/** This sandbox sets NODE_EXTRA_CA_CERTS, which every node start parses; a user's laptop does not: time without it. */
const CLEAN = process.env.NODE_EXTRA_CA_CERTS ? ['env', '-u', 'NODE_EXTRA_CA_CERTS'] : [];
const USAGE = 'usage: node dist/bench/cluster-cli.js [--runs N] [--warmups N] [--wait-calm S] [--entry FILE] [--out FILE]';
const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '21' },
    warmups: { type: 'string', default: '3' },
    'wait-calm': { type: 'string', default: '300' },
    entry: { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'bench/results/cluster-cli.json') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  console.log(USAGE);
  process.exit(0);
}
const int = (k: 'runs' | 'warmups' | 'wait-calm', min: number): number => {
  const n = Number(opt[k]);
  if (Number.isInteger(n) && n >= min) return n;
  console.error(`--${k} wants an integer >= ${min}, not ${JSON.stringify(opt[k])}\n${USAGE}`);
  process.exit(2);
};
const [RUNS, WARMUPS, WAIT_CALM] = [int('runs', 1), int('warmups', 0), int('wait-calm', 0)];
const CLI = opt.entry ?? (existsSync(BUNDLE) ? BUNDLE : ENTRY);

let lab: Lab | undefined;
let srv: FakeApiServer | undefined;
let agent: Agent | undefined;
let cleaning: Promise<void> | undefined;
const cleanup = (): Promise<void> =>
  (cleaning ??= (async () => {
    await agent?.close().catch(() => undefined);
    await srv?.close().catch(() => undefined);
    await lab?.cleanup().catch((e: Error) => console.error(`lab cleanup: ${e.message}`));
  })());
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`\n${sig}: removing the lab's containers`);
    void cleanup().finally(() => process.exit(130));
  });
}

interface Cmd { name: string; argv: string[] }
/** Each figure beside its anchor; target: the ratio's bound. */
interface Pair { what: string; cmd: string; anchor: string; target: number }

/** Warm-ups, then RUNS rounds; each round runs every command once, so drift hits all alike. */
async function measure(cmds: Cmd[]): Promise<Array<Cmd & { wall: Series; p90: number; cpu: Series }>> {
  const wall = cmds.map(() => [] as number[]);
  const cpu = cmds.map(() => [] as number[]);
  for (let r = 0; r < WARMUPS + RUNS; r++) {
    for (let i = 0; i < cmds.length; i++) {
      const t = await timeCommand(cmds[i].argv, ROOT);
      if (r >= WARMUPS) {
        wall[i].push(t.ms);
        cpu[i].push(t.cpuMs);
      }
    }
  }
  return cmds.map((c, i) => ({ ...c, wall: series(wall[i]), p90: round(percentile(wall[i], 90)), cpu: series(cpu[i]) }));
}

/** The demo pod of real containers in the fake API server, an agent behind its pods/portforward, and a user's kubeconfig. */
async function cluster(pod: DemoPod): Promise<string> {
  srv = await startFakeApiServer();
  srv.auth.addUser('debugger-token', { username: 'dev', groups: ['system:authenticated'] });
  srv.auth.allow({ user: 'dev', verb: 'get', resource: 'pods', namespace: 'shop' });
  const p = makePod({ name: 'web', namespace: 'shop', nodeName: 'node-a', containers: ['app'], ephemeralContainers: [{ name: 'debugger', targetContainerName: 'app' }] });
  p.metadata.uid = pod.uid;
  const ids: Record<string, string> = { app: pod.app.id, debugger: pod.debugger.id };
  for (const s of p.status?.containerStatuses ?? []) if (ids[s.name]) s.containerID = `containerd://${ids[s.name]}`;
  p.status ??= {};
  p.status.ephemeralContainerStatuses = [{ name: 'debugger', image: 'busybox:1.36', imageID: '', ready: false, restartCount: 0, lastState: {}, containerID: `containerd://${pod.debugger.id}`, state: { running: { startedAt: new Date().toISOString() } } }];
  srv.pods.add(p);
  const a = makePod({ name: 'nsinspect-bench', namespace: 'nsinspect-system', nodeName: 'node-a', labels: { 'app.kubernetes.io/name': 'nsinspect' } });
  a.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'nsinspect-agent', controller: true, uid: '5d3c1a8e-0000-4000-8000-00000000da75', blockOwnerDeletion: true }];
  srv.pods.add(a);
  agent = await buildAgent({ kubeconfig: srv.kubeconfigPath, nodeName: 'node-a', auth: 'kubernetes', metricsContainerInodes: false, nodeScanIntervalMs: 60_000 }, false);
  agent.start();
  for (let i = 0; i < 100 && !agent.pods?.synced(); i++) await new Promise((r) => setTimeout(r, 100));
  const url = new URL(await agent.app.listen({ host: '127.0.0.1', port: 0 }));
  srv.portForward.set('nsinspect-system', 'nsinspect-bench', 9742, { port: Number(url.port) });
  const kubeconfig = join(srv.dir, 'user.kubeconfig');
  srv.writeKubeconfig(kubeconfig, { token: 'debugger-token', namespace: 'shop' });
  return kubeconfig;
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/cli/help/index.json'))) throw new Error('dist/cli/help/ is missing: run make build');
  const kubectl = execFileSync('sh', ['-c', 'command -v kubectl || true'], { encoding: 'utf8' }).trim();
  if (!kubectl) throw new Error('kubectl is not installed (apt-get install kubernetes-client)');
  const calm: Calm[] = [await waitCalm('setup', WAIT_CALM, () => 0)];
  lab = await new Lab(`bench-ccli-${randomHex(8)}`).init();
  const pod = await startDemoPod(lab);
  const kc = await cluster(pod);
  const ns = (args: string[]): string[] => [...CLEAN, NODE, CLI, ...args];
  const cmds: Cmd[] = [
    { name: 'node -e 0', argv: [...CLEAN, NODE, '-e', '0'] },
    { name: 'kubectl get --raw (pod)', argv: [kubectl, 'get', '--raw', '/api/v1/namespaces/shop/pods/web', '--kubeconfig', kc] },
    { name: 'nsinspect ephemeral web', argv: ns(['ephemeral', 'web', '--kubeconfig', kc]) },
    { name: 'nsinspect diff web debugger', argv: ns(['diff', 'web', 'debugger', '--kubeconfig', kc]) },
    { name: 'nsinspect --help', argv: ns(['--help']) },
    { name: 'nsinspect lsns -o json', argv: ns(['lsns', '-o', 'json']) },
  ];
  // Sanity: the whole path answers, and the debugger shares the app's pid namespace.
  const d = JSON.parse((await timeCommand(ns(['diff', 'web', 'debugger', '-o', 'json', '--kubeconfig', kc]), ROOT)).stdout) as { shared: string[] };
  if (!d.shared.includes('pid')) throw new Error(`unexpected diff: ${JSON.stringify(d)}`);
  const sessions = srv!.portForward.sessions();
  if (sessions < 1) throw new Error('the diff did not go through pods/portforward');

  calm.push(await waitCalm('measure', 120, () => 6));
  const procs = procCount();
  console.log(`measuring: ${WARMUPS} warm-ups, then ${RUNS} interleaved rounds of ${cmds.length} commands (${procs} processes on the machine) ...`);
  const results = await measure(cmds);
  await cleanup();

  const by = (n: string) => results.find((r) => r.name === n)!;
  const pairs: Pair[] = [
    { what: 'ephemeral POD vs kubectl get --raw', cmd: 'nsinspect ephemeral web', anchor: 'kubectl get --raw (pod)', target: 1.5 },
    { what: 'diff POD DEBUGGER (port-forward) vs kubectl get --raw', cmd: 'nsinspect diff web debugger', anchor: 'kubectl get --raw (pod)', target: 2.5 },
    { what: '--help vs node -e 0', cmd: 'nsinspect --help', anchor: 'node -e 0', target: 1.3 },
    { what: `lsns -o json (${procs} procs) vs node -e 0`, cmd: 'nsinspect lsns -o json', anchor: 'node -e 0', target: 1.3 },
  ];
  const verdicts = pairs.map((p) => {
    const ratio = by(p.cmd).wall.median / by(p.anchor).wall.median;
    // CPU (user + sys of the child) is what a neighbour's load disturbs least on a shared machine.
    const cpuRatio = by(p.cmd).cpu.median / Math.max(1, by(p.anchor).cpu.median);
    return { ...p, ms: by(p.cmd).wall.median, anchorMs: by(p.anchor).wall.median, ratio: round(ratio), cpuRatio: round(cpuRatio), pass: ratio <= p.target };
  });
  const kubectlVersion = execFileSync(kubectl, ['version', '--client'], { encoding: 'utf8' }).trim().split('\n')[0];
  const result = { issues: '15, 16', entry: CLI.slice(ROOT.length), date: new Date().toISOString(), code: codeVersion(ROOT), machine: machineInfo(), procs, runs: RUNS, warmups: WARMUPS, calm, kubectl: kubectlVersion, results, verdicts };
  mkdirSync(dirname(opt.out), { recursive: true });
  writeFileSync(opt.out, JSON.stringify(result, null, 2) + '\n');

  const m = result.machine;
  const cmdRows = [['command', 'median ms', 'min ms', 'p90 ms', 'CPU ms'], ...results.map((r) => [r.name, r.wall.median.toFixed(1), r.wall.min.toFixed(1), r.p90.toFixed(1), r.cpu.median.toFixed(0)])];
  const ratioRows = [['figure', 'ms', 'anchor ms', 'ratio', 'target', '', 'CPU ratio'], ...verdicts.map((v) => [v.what, v.ms.toFixed(1), v.anchorMs.toFixed(1), `${v.ratio.toFixed(2)}x`, `<= ${v.target}x`, v.pass ? 'PASS' : 'FAIL', `${v.cpuRatio.toFixed(2)}x`])];
  console.log([
    `nsinspect cluster-command benchmark (issues 15, 16)  ${result.date}  code ${result.code}`,
    `machine: ${m.nproc} x ${m.cpuModel}, ${m.memoryMiB} MiB, ${m.kernel}, node ${m.node}`,
    `machine before: ${calm.map((c) => `${c.phase}: ${c.calm ? 'calm' : 'NOT CALM'} (${c.procs} procs, load ${c.load1})`).join('; ')}`,
    `kubectl: ${kubectlVersion}; nsinspect = node ${result.entry}${CLEAN.length ? '; node runs without NODE_EXTRA_CA_CERTS (set in this sandbox)' : ''}`,
    `fake API server (TLS, bearer token) and an in-process agent behind its pods/portforward; wall time from spawn to exit, ${RUNS} rounds after ${WARMUPS} warm-ups`,
    '',
    pad(cmdRows),
    '',
    pad(ratioRows),
  ].join('\n') + `\n\nwritten: ${opt.out}`);
}

try {
  await main();
} catch (e) {
  console.error(`cluster-cli benchmark failed: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
