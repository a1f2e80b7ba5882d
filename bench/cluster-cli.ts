// The cluster-command scenario: ephemeral and diff through the port-forward against the fake API server beside kubectl get --raw, and --help and lsns -o json beside node -e 0.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildAgent } from '../agent/server/compose.js';
import { Lab, randomHex } from '../lab/runc.js';
import { type DemoPod, startDemoPod } from '../lab/pod.js';
import { makePod, startFakeApiServer } from '../test/fake-apiserver/index.js';
import { ROOT, args } from './harness/args.js';
import { type Calm, calmLine, waitCalm } from './harness/calm.js';
import { codeVersion, machine, machineLine, procCount } from './harness/machine.js';
import { type Cmd, round, timeCommand, timeCommands } from './harness/measure.js';
import { now, pad, writeResult } from './harness/report.js';
import { onCleanup, runBench } from './harness/run.js';

const NODE = process.execPath;
/** The installed entry as package.json's bin names it: the bundle when built, else the tsc output's entry. */
const BUNDLE = join(ROOT, 'dist/cli/bundle/nsinspect.cjs');
const ENTRY = join(ROOT, 'dist/cli/nsinspect.cjs');
/** Where NODE_EXTRA_CA_CERTS is set, every node start parses the CA bundle; a user's laptop does not: time without it. */
const CLEAN = process.env.NODE_EXTRA_CA_CERTS ? ['env', '-u', 'NODE_EXTRA_CA_CERTS'] : [];
const opt = args('cluster-cli', { runs: '21', warmups: '3', 'wait-calm': '300', entry: '' });
const [RUNS, WARMUPS, WAIT_CALM] = [opt.int('runs'), opt.int('warmups', 0), opt.int('wait-calm', 0)];
const CLI = opt.str('entry') || (existsSync(BUNDLE) ? BUNDLE : ENTRY);

/** Each figure beside its anchor; target: the ratio's bound. */
interface Pair { what: string; cmd: string; anchor: string; target: number }

/** The demo pod of real containers in the fake API server, an agent behind its pods/portforward, and a user's kubeconfig. */
async function cluster(pod: DemoPod): Promise<{ kubeconfig: string; sessions: () => number }> {
  const srv = await startFakeApiServer();
  onCleanup(() => srv.close());
  srv.auth.addUser('debugger-token', { username: 'dev', groups: ['system:authenticated'] });
  srv.auth.allow({ user: 'dev', verb: 'get', resource: 'pods', namespace: 'shop' });
  const p = makePod({ name: 'web', namespace: 'shop', nodeName: 'node-a', containers: ['app'], ephemeralContainers: [{ name: 'debugger', targetContainerName: 'app' }] });
  p.metadata.uid = pod.uid;
  for (const s of p.status?.containerStatuses ?? []) if (s.name === 'app') s.containerID = `containerd://${pod.app.id}`;
  p.status ??= {};
  p.status.ephemeralContainerStatuses = [{ name: 'debugger', image: 'busybox:1.36', imageID: '', ready: false, restartCount: 0, lastState: {}, containerID: `containerd://${pod.debugger.id}`, state: { running: { startedAt: new Date().toISOString() } } }];
  srv.pods.add(p);
  const a = makePod({ name: 'nsinspect-bench', namespace: 'nsinspect-system', nodeName: 'node-a', labels: { 'app.kubernetes.io/name': 'nsinspect' } });
  a.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'nsinspect-agent', controller: true, uid: '5d3c1a8e-0000-4000-8000-00000000da75', blockOwnerDeletion: true }];
  srv.pods.add(a);
  const agent = await buildAgent({ kubeconfig: srv.kubeconfigPath, nodeName: 'node-a', auth: 'kubernetes', metricsContainerInodes: false, nodeScanIntervalMs: 60_000 }, false);
  onCleanup(() => agent.close());
  agent.start();
  for (let i = 0; i < 100 && !agent.pods?.synced(); i++) await new Promise((r) => setTimeout(r, 100));
  const url = new URL(await agent.app.listen({ host: '127.0.0.1', port: 0 }));
  srv.portForward.set('nsinspect-system', 'nsinspect-bench', 9742, { port: Number(url.port) });
  const kubeconfig = join(srv.dir, 'user.kubeconfig');
  srv.writeKubeconfig(kubeconfig, { token: 'debugger-token', namespace: 'shop' });
  return { kubeconfig, sessions: () => srv.portForward.sessions() };
}

runBench('cluster-cli', async () => {
  if (!existsSync(join(ROOT, 'dist/cli/help/index.json'))) throw new Error('dist/cli/help/ is missing: run make build');
  const kubectl = execFileSync('sh', ['-c', 'command -v kubectl || true'], { encoding: 'utf8' }).trim();
  if (!kubectl) throw new Error('kubectl is not installed (apt-get install kubernetes-client)');
  const calm: Calm[] = [await waitCalm('setup', WAIT_CALM, () => 0)];
  const lab = await new Lab(`bench-ccli-${randomHex(8)}`).init();
  onCleanup(() => lab.cleanup());
  const pod = await startDemoPod(lab);
  const { kubeconfig: kc, sessions } = await cluster(pod);
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
  if (sessions() < 1) throw new Error('the diff did not go through pods/portforward');

  calm.push(await waitCalm('measure', Math.min(120, WAIT_CALM), () => 6));
  const procs = procCount();
  console.log(`measuring: ${WARMUPS} warm-ups, then ${RUNS} interleaved rounds of ${cmds.length} commands (${procs} processes on the machine) ...`);
  const results = await timeCommands(cmds, ROOT, WARMUPS, RUNS);
  const by = (n: string): (typeof results)[number] => {
    const r = results.find((x) => x.name === n);
    if (!r) throw new Error(`no result for ${n}`);
    return r;
  };
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
  const result = { entry: CLI.slice(ROOT.length), date: now(), code: codeVersion(ROOT), machine: machine(), procs, runs: RUNS, warmups: WARMUPS, calm, kubectl: kubectlVersion, results, verdicts };
  writeResult(opt.out, result);
  const cmdRows = [['command', 'median ms', 'min ms', 'p90 ms', 'CPU ms'], ...results.map((r) => [r.name, r.wall.median.toFixed(1), r.wall.min.toFixed(1), r.p90.toFixed(1), r.cpu.median.toFixed(0)])];
  const ratioRows = [['figure', 'ms', 'anchor ms', 'ratio', 'target', '', 'CPU ratio'], ...verdicts.map((v) => [v.what, v.ms.toFixed(1), v.anchorMs.toFixed(1), `${v.ratio.toFixed(2)}x`, `<= ${v.target}x`, v.pass ? 'PASS' : 'FAIL', `${v.cpuRatio.toFixed(2)}x`])];
  console.log([
    `nsinspect cluster-command benchmark  ${result.date}  code ${result.code}`,
    machineLine(result.machine),
    `machine before: ${calmLine(calm)}`,
    `kubectl: ${kubectlVersion}; nsinspect = node ${result.entry}${CLEAN.length ? '; node runs without NODE_EXTRA_CA_CERTS (set in this environment)' : ''}`,
    `fake API server (TLS, bearer token) and an in-process agent behind its pods/portforward; wall time from spawn to exit, ${RUNS} rounds after ${WARMUPS} warm-ups`,
    '',
    pad(cmdRows),
    '',
    pad(ratioRows),
  ].join('\n') + `\n\nwritten: ${opt.out}`);
});
