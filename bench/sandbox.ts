// The pod view's sandbox lookup, in-process: without reuse (sandboxOf, then containerSubject) against with it (sandboxSubject given the view's subjects), interleaved, on lab pods.
import { Lab, randomHex } from '../lab/runc.js';
import { type DemoPod, startDemoPod } from '../lab/pod.js';
import { Engine } from '../agent/inspect/engine.js';
import { args } from './harness/args.js';
import { median, percentile, round } from './harness/measure.js';
import { now, writeResult } from './harness/report.js';
import { onCleanup, runBench } from './harness/run.js';

const opt = args('sandbox', { pods: '20', rounds: '30' });
const [PODS, ROUNDS] = [opt.int('pods'), opt.int('rounds')];

runBench('sandbox', async () => {
  const lab = await new Lab(`bench-sandbox-${randomHex(8)}`).init();
  onCleanup(() => lab.cleanup());
  const pods: DemoPod[] = [];
  for (let i = 0; i < PODS; i++) pods.push(await startDemoPod(lab));
  const engine = new Engine();
  // What the pod view has resolved before it looks for the sandbox: the pod's other containers.
  const known = pods.map((p) => {
    const subjects = [p.app, p.debugger, p.debuggerNoTarget].map((c) => engine.containerSubject(c.id));
    return { uid: p.uid, sandbox: p.sandbox.id, ids: new Set(subjects.map((s) => s.containerID ?? '')), subjects };
  });
  const ways = {
    // As the pod view did: find the member, then read it again as a subject.
    before: (k: (typeof known)[number]) => {
      const sb = engine.sandboxOf(k.uid, k.ids, 2_000);
      return sb ? engine.containerSubject(sb.container.containerID).containerID : undefined;
    },
    after: (k: (typeof known)[number]) => engine.sandboxSubject(k.uid, k.ids, 2_000, k.subjects)?.containerID,
  };
  const ms: Record<keyof typeof ways, number[]> = { before: [], after: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const w of (r % 2 ? ['after', 'before'] : ['before', 'after']) as Array<keyof typeof ways>) {
      const t0 = performance.now();
      for (const k of known) if (ways[w](k) !== k.sandbox) throw new Error(`${w}: wrong sandbox for pod ${k.uid}`);
      ms[w].push((performance.now() - t0) / known.length);
    }
  }
  const sum = (xs: number[]) => ({ medianMs: round(median(xs), 3), p90Ms: round(percentile(xs, 90), 3) });
  const result = { date: now(), pods: PODS, rounds: ROUNDS, perPod: { before: sum(ms.before), after: sum(ms.after) } };
  writeResult(opt.out, result);
  console.log(`sandbox lookup per pod view build (${PODS} lab pods, ${ROUNDS} interleaved rounds): before ${result.perPod.before.medianMs} ms (p90 ${result.perPod.before.p90Ms}), after ${result.perPod.after.medianMs} ms (p90 ${result.perPod.after.p90Ms})`);
});
