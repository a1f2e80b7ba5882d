// The summary: one table of every target's pass or fail, the ratios and the machine, from the scenarios' result files; the only result committed.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { RESULTS as DEFAULT_RESULTS, ROOT } from './harness/args.js';
import { machine } from './harness/machine.js';

const { values: opt } = parseArgs({
  options: {
    results: { type: 'string', default: DEFAULT_RESULTS },
    summary: { type: 'string', default: join(ROOT, 'bench/results/SUMMARY.md') },
  },
});
const RESULTS = opt.results;
const OUT = opt.summary;

interface Row { area: string; target: string; measured: string; pass: boolean | undefined; when: string }

function load(name: string): { r: any; when: string } | undefined {
  const f = join(RESULTS, name);
  if (!existsSync(f)) return undefined;
  return { r: JSON.parse(readFileSync(f, 'utf8')), when: statSync(f).mtime.toISOString().slice(0, 16).replace('T', ' ') };
}

const rows: Row[] = [];
const ratios: string[][] = [];
const missing: string[] = [];
const fmt = (n: unknown): string => (typeof n === 'number' ? String(Math.round(n * 100) / 100) : String(n));

const lsns = load('lsns.json');
if (lsns) {
  for (const t of lsns.r.targets) rows.push({ area: 'inventory, lookup', target: t.target, measured: fmt(t.value), pass: t.pass, when: lsns.when });
  for (const s of lsns.r.sizes) {
    const inv = s.inventory;
    const c = inv.floorC?.runs.length ? { ms: `, C readlink loop ${fmt(inv.floorC.median)} ms`, x: `, ours/C loop ${fmt(s.ratios.cliOverFloorC)}x` } : { ms: '', x: '' };
    ratios.push([`inventory, ${s.procsOnNode} processes`, `nsinspect CLI ${fmt(inv.cli.median)} ms, lsns -J ${fmt(inv.lsns.median)} ms, readlink floor ${fmt(inv.floor.median)} ms${c.ms}`, `lsns/ours ${fmt(s.ratios.lsnsOverCli)}x, ours/floor ${fmt(s.ratios.cliOverFloor)}x${c.x}`]);
    ratios.push([`container lookup, ${s.procsOnNode} processes`, `p50 warm ${fmt(s.lookup.warm.p50)} ms, fresh ${fmt(s.lookup.fresh.p50)} ms`, '']);
  }
} else missing.push('lsns.json (node dist/bench/lsns.js)');

const cli = load('cli.json');
if (cli) {
  const lt = cli.r.lsnsTarget;
  if (lt) rows.push({ area: 'CLI start-up', target: lt.target, measured: `${lt.value}x`, pass: lt.pass, when: cli.when });
  for (const c of cli.r.results) if (c.target !== undefined) rows.push({ area: 'CLI start-up', target: `${c.name} <= ${c.target} ms (median)`, measured: `${fmt(c.wall.median)} ms`, pass: c.pass, when: cli.when });
  ratios.push(['CLI start-up', Object.entries(cli.r.ratios as Record<string, string>).map(([k, v]) => `${k} ${v}`).join(', '), '']);
} else missing.push('cli.json (node dist/bench/cli.js)');

const exec = load('exec.json');
if (exec) {
  for (const t of exec.r.targets) rows.push({ area: 'exec', target: t.target, measured: `${fmt(t.value)} ms`, pass: t.pass, when: exec.when });
  const s = exec.r.startup;
  const p = exec.r.ps;
  ratios.push(['exec start-up', `bare nsenter -a true ${fmt(s.bareNsenterTrue.median)} ms, POST exec ${fmt(s.postExecAll.median)} ms, attach ${fmt(s.attachPipesFirstByte.median)} ms`, `POST/bare ${fmt(s.postExecAll.median / s.bareNsenterTrue.median)}x`]);
  const psRatio = p.agentHostSide.median / p.nsenterAllPsEf.median;
  rows.push({ area: 'exec', target: `host-side ps of ${p.procs} processes through the agent <= 1.0x nsenter --all ps -ef`, measured: `${fmt(psRatio)}x (${fmt(p.agentHostSide.median)} vs ${fmt(p.nsenterAllPsEf.median)} ms)`, pass: psRatio <= 1, when: exec.when });
  ratios.push([`ps, ${p.procs} processes`, `host side (agent) ${fmt(p.agentHostSide.median)} ms, nsenter --all ps -ef ${fmt(p.nsenterAllPsEf.median)} ms`, `ours/nsenter ${fmt(psRatio)}x`]);
} else missing.push('exec.json (node dist/bench/exec.js)');

const agent = load('agent.json');
if (agent) {
  for (const t of agent.r.targets ?? []) rows.push({ area: 'agent API', target: t.target, measured: t.value, pass: t.pass, when: agent.when });
} else missing.push('agent.json (node dist/bench/agent.js)');

const idle = load('idle.json');
if (idle) {
  const r = idle.r;
  rows.push({ area: 'agent idle', target: `node-count scans, ${fmt(r.procsOnNode)} processes <= 0.3% of a core`, measured: `${fmt(r.pctOfCore.after)}% (was ${fmt(r.pctOfCore.before)}%)`, pass: r.pctOfCore.after <= 0.3, when: idle.when });
  ratios.push([`node-count scans, ${r.procsOnNode} processes`, `full ${fmt(r.perScanCpuMs.full)} ms (old ${fmt(r.perScanCpuMs.before)} ms), incremental ${fmt(r.perScanCpuMs.incremental)} ms; ${fmt(r.perHourCpuS.before)} -> ${fmt(r.perHourCpuS.after)} s/h`, `before/after ${fmt(r.ratioBeforeOverAfter)}x`]);
} else missing.push('idle.json (node dist/bench/idle.js)');

const ps = load('ps.json');
if (ps) {
  const r = ps.r;
  ratios.push([`ps, ${r.procs} processes, in-process read path`, `before ${fmt(r.medianMs.before)} ms, after ${fmt(r.medianMs.after)} ms, nsenter --all ps -ef ${fmt(r.medianMs.nsenterPsEf)} ms`, `before ${fmt(r.ratios.beforeOverNsenter)}x, after ${fmt(r.ratios.afterOverNsenter)}x`]);
} else missing.push('ps.json (node dist/bench/ps.js)');

const soak = load('soak.json');
if (soak) {
  for (const c of soak.r.verdict.checks) rows.push({ area: `soak ${soak.r.durationS} s`, target: c.check, measured: c.value, pass: c.pass, when: soak.when });
} else missing.push('soak.json (make soak)');

const fuzz = load('fuzz-http.json');
if (fuzz) {
  const f = fuzz.r;
  // byClass lists only the classes seen: no "5xx" key means none.
  const five = f.byClass?.['5xx'] ?? 0;
  rows.push({ area: 'HTTP fuzz', target: `no 5xx, no crash (${fmt(f.requests)} requests)`, measured: `5xx: ${fmt(five)}; checks ${Object.values(f.checks ?? {}).every(Boolean) ? 'all passed' : JSON.stringify(f.checks)}`, pass: five === 0 && f.pass !== false, when: fuzz.when });
}

const m = machine();
const mark = (p: boolean | undefined): string => (p === undefined ? '' : p ? 'PASS' : '**FAIL**');
const md = [
  `Machine: ${m.nproc} x ${m.cpuModel}, ${m.memoryMiB} MiB, ${m.kernel}, node ${m.node}. Made ${new Date().toISOString().slice(0, 16).replace('T', ' ')} from ${relative(ROOT, RESULTS) || '.'}/*.json.`,
  '',
  '| area | target | measured | result | run |',
  '| --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.area} | ${r.target} | ${r.measured} | ${mark(r.pass)} | ${r.when} |`),
  '',
  '| ratio (same run) | figures | ratio |',
  '| --- | --- | --- |',
  ...ratios.map((r) => `| ${r.join(' | ')} |`),
  ...(missing.length ? ['', `Not run yet: ${missing.join('; ')}.`] : []),
  '',
].join('\n');
writeFileSync(OUT, md);
console.log(md + `\nwritten: ${OUT}`);
