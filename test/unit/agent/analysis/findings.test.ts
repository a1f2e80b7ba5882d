// Findings on a plain Docker container name docker run's flags, not kubectl debug --target.
import t from 'tap';
import { findings, type FindingInput } from '../../../../agent/analysis/findings.js';

const ID = 'b'.repeat(64);
const host = { pid: 1, net: 2, ipc: 3, uts: 4, mnt: 5, user: 6, cgroup: 7, time: 8 };
const target = { pid: 11, net: 12, ipc: 13, uts: 14, mnt: 15, user: 6, cgroup: 17, time: 8 };
const base = (dbgPid: number): FindingInput => ({
  target, debugger: { ...target, pid: dbgPid, mnt: 25 }, host, targetPid: 100, targetInnerPid: 1, targetName: 'web', debuggerName: 'dbg',
});

const cases = [
  { what: 'docker, own pid namespace', input: { ...base(21), docker: { targetID: ID } }, code: 'NO_TARGET', has: ['docker run --pid container:bbbbbbbbbbbb', '--network container:bbbbbbbbbbbb', '--ipc container:bbbbbbbbbbbb'], lacks: ['kubectl', '--target'] },
  { what: 'docker, joined the pid namespace', input: { ...base(11), docker: { targetID: ID } }, code: 'TARGET_PID_SHARED', has: ['docker run --pid container:<id>'], lacks: ['kubectl'] },
  { what: 'kubernetes, own pid namespace', input: base(21), code: 'NO_TARGET', has: ['kubectl debug --target=<container>'], lacks: ['docker'] },
  { what: 'kubernetes, joined the pid namespace', input: base(11), code: 'TARGET_PID_SHARED', has: ['kubectl debug --target'], lacks: ['docker'] },
] as const;

for (const c of cases) {
  t.test(c.what, async (t) => {
    const f = findings(c.input).find((x) => x.code === c.code);
    t.ok(f, c.code);
    for (const s of c.has) t.ok(f?.message.includes(s), `says ${s}`);
    for (const s of c.lacks) t.notOk(f?.message.includes(s), `does not say ${s}`);
  });
}
