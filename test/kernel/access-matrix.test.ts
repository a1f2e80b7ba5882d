// Access verdicts against reality: real runc targets and debuggers, each op tried by a static probe inside the debugger.
import t, { type Test } from 'tap';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { labFor, statNamespaces, waitFor } from '../helpers/lab.js';
import { type Lab, randomHex } from '../../lab/runc.js';
import { RUNTIME_DEFAULT_CAPS, type SecurityContext, securityContext } from '../../lab/security.js';
import { Engine } from '../../agent/inspect/engine.js';
import { ACCESS_OPS, type BlockCode } from '../../agent/model/access.js';
import type { AccessVerdictJSON } from '../../agent/protocol/access.js';
import { readCreds } from '../../agent/procfs/creds.js';
import { CAP_SET_NAMES, decodeCaps } from '../../agent/model/creds.js';

const PROBE_SRC = new URL('./fixtures/access-probe.c', import.meta.url).pathname;
const PTRACE_CAPS = [...RUNTIME_DEFAULT_CAPS, 'CAP_SYS_PTRACE'];
const USERNS = { hostId: 100000, size: 65536 };

interface Cell {
  name: string;
  target: SecurityContext & { nodump?: boolean };
  debugger: SecurityContext;
  /** Which pid and net namespaces the debugger is in (default: the target's, as kubectl debug --target). */
  pid?: 'target' | 'own' | 'host';
  net?: 'target' | 'own';
  /** Put the debugger in the target's user namespace (as an ephemeral container of a hostUsers: false pod is). */
  inTargetUserns?: boolean;
  /** Why the probe must run as the debugger's first process instead of through runc exec. */
  probeAtStart?: string;
  /** Codes an `unknown` verdict may name in this cell, each with why /proc cannot tell. */
  unknownOk?: Partial<Record<BlockCode, string>>;
}

const ROOT_DUMPABLE = { NOT_DUMPABLE: 'a root target\'s /proc files are root-owned whether dumpable or not' };
const cells: Cell[] = [
  { name: 'same uid 1000, no capabilities', target: { uid: 1000 }, debugger: { uid: 1000 } },
  { name: 'uid 1000 debugging uid 2000', target: { uid: 2000 }, debugger: { uid: 1000 } },
  { name: 'root with runtime-default caps (no SYS_PTRACE, has NET_RAW) debugging uid 1000', target: { uid: 1000 }, debugger: { uid: 0 } },
  { name: 'root with SYS_PTRACE (profile general) debugging uid 1000', target: { uid: 1000 }, debugger: { uid: 0, caps: PTRACE_CAPS } },
  { name: 'root debugging root, both runtime defaults', target: { uid: 0 }, debugger: { uid: 0 }, unknownOk: ROOT_DUMPABLE },
  { name: 'root with only CAP_KILL debugging root with runtime defaults', target: { uid: 0 }, debugger: { uid: 0, caps: ['CAP_KILL'] }, unknownOk: ROOT_DUMPABLE },
  { name: 'non-dumpable uid 1000 target, same-uid debugger', target: { uid: 1000, nodump: true }, debugger: { uid: 1000 } },
  { name: 'non-dumpable uid 1000 target, root debugger with SYS_PTRACE', target: { uid: 1000, nodump: true }, debugger: { uid: 0, caps: PTRACE_CAPS } },
  { name: 'seccomp denies ptrace in the debugger', target: { uid: 1000 }, debugger: { uid: 1000, seccompDeny: ['ptrace'] }, unknownOk: { SECCOMP: 'filter rules are not in /proc' } },
  { name: 'target in a user namespace (hostUsers: false), host-root debugger without SYS_PTRACE', target: { uid: 0, userns: USERNS }, debugger: { uid: 0 }, unknownOk: ROOT_DUMPABLE },
  { name: 'target in a user namespace, host debugger uid 1000', target: { uid: 0, userns: USERNS }, debugger: { uid: 1000 } },
  { name: 'debugger in its own user namespace with SYS_PTRACE and NET_RAW there, host target uid 1000', target: { uid: 1000 },
    debugger: { uid: 0, caps: PTRACE_CAPS, userns: { hostId: 200000, size: 65536 }, hostProc: true }, pid: 'host',
    probeAtStart: 'runc exec enters the user namespace before the host-owned net namespace, and setns then fails' },
  { name: 'both in one user namespace (hostUsers: false pod): root debugger, runtime defaults, uid 1000 target', target: { uid: 1000, userns: USERNS },
    debugger: { uid: 0 }, inTargetUserns: true },
  { name: 'debugger in another pid and net namespace', target: { uid: 1000 }, debugger: { uid: 0, caps: PTRACE_CAPS }, pid: 'own', net: 'own' },
  { name: 'root debugger without NET_RAW', target: { uid: 0 }, debugger: { uid: 0, caps: RUNTIME_DEFAULT_CAPS.filter((c) => c !== 'CAP_NET_RAW') }, unknownOk: ROOT_DUMPABLE },
];

function readIf(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

async function buildProbe(t: Test): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'nsinspect-probe-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  await execa('gcc', ['-static', '-O1', '-o', join(dir, 'probe'), PROBE_SRC]);
  return dir;
}

interface CellResult {
  verdicts: AccessVerdictJSON[];
  /** What the probe could do, by op; errno only where it could not. */
  real: Map<string, { ok: boolean; errno?: string }>;
}

/** Starts the cell's target and debugger, runs the probe in the debugger, and asks the engine. */
async function runCell(t: Test, lab: Lab, probeDir: string, cell: Cell): Promise<CellResult> {
  const marker = `m${randomHex(12)}`;
  const group = `/nsinspect-access-${randomHex(8)}`;
  const binds = { '/probe': probeDir };
  const tid = randomHex(64);
  const target = await lab.run({
    id: tid, cgroupsPath: `${group}/${tid}`, args: ['/probe/probe', 'hold', marker, ...(cell.target.nodump ? ['nodump'] : [])],
    customize: securityContext({ ...cell.target, binds }),
  });
  t.teardown(() => lab.kill(tid));
  const did = randomHex(64);
  const out = mkdtempSync(join(tmpdir(), 'nsinspect-probe-out-'));
  chmodSync(out, 0o777);
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const hold = ['/probe/probe', 'hold', `d${marker}`];
  const pidJoin = cell.pid === 'own' ? undefined : cell.pid === 'host' ? process.pid : target.pid;
  const dbg = await lab.run({
    id: did, cgroupsPath: `${group}/${did}`,
    args: cell.probeAtStart ? ['/bin/sh', '-c', `/probe/probe try ${marker} > /out/result 2>&1; exec ${hold.join(' ')}`] : hold,
    join: { ...(pidJoin === undefined ? {} : { pid: pidJoin }), ...(cell.net === 'own' ? {} : { net: target.pid }) },
    customize: securityContext({
      ...cell.debugger,
      ...(cell.inTargetUserns ? { userns: cell.target.userns ? { joinPid: target.pid } : undefined, hostProc: false } : {}),
      binds: cell.probeAtStart ? { ...binds, '/out': out } : binds,
    }),
  });
  t.teardown(() => lab.kill(did));

  const probe = cell.probeAtStart
    ? { exitCode: 0, stderr: '', stdout: await waitFor('the probe at start', () => { const r = readIf(join(out, 'result')); return r.includes('\npid ') ? r : undefined; }) }
    : await lab.execOutput(did, ['/probe/probe', 'try', marker]);
  t.equal(probe.exitCode, 0, `probe ran: ${probe.stderr}`);
  // "<op> yes" or "<op> no <ERRNO>", after a "pid <n>" line (see access-probe.c).
  const real: CellResult['real'] = new Map();
  for (const l of probe.stdout.split('\n')) {
    if (!l || l.startsWith('pid ')) continue;
    const [op = l, ok, errno] = l.split(' ');
    real.set(op, { ok: ok === 'yes', errno });
  }
  // Packets of the target's interfaces need its net namespace too: ground truth from stat(2).
  const sameNet = statNamespaces(target.pid).net === statNamespaces(dbg.pid).net;
  if (real.has('capture-packets') && !sameNet) real.set('capture-packets', { ok: false, errno: 'other-netns' });
  const engine = new Engine();
  return { verdicts: engine.access(engine.pidSubject(target.pid), engine.pidSubject(dbg.pid)).verdicts, real };
}

async function labWithProbe(t: Test): Promise<{ lab: Lab; probeDir: string }> {
  const probeDir = await buildProbe(t);
  const lab = await labFor(t);
  // Mount points made in advance: a container in its own user namespace may not mkdir in the root-owned rootfs.
  for (const d of ['probe', 'out']) mkdirSync(join(lab.dir, 'rootfs', d), { recursive: true });
  return { lab, probeDir };
}

const noGcc = existsSync('/usr/bin/gcc') ? false : 'gcc is missing: apt-get install gcc libc6-dev';

t.test('each yes/no verdict matches what the debugger can really do', { skip: noGcc }, async (t) => {
  const { lab, probeDir } = await labWithProbe(t);
  const summary: string[] = [];
  for (const cell of cells) {
    await t.test(cell.name, async (t) => {
      const { verdicts, real } = await runCell(t, lab, probeDir, cell);
      t.same(verdicts.map((v) => v.op), [...ACCESS_OPS]);
      const row: string[] = [];
      for (const v of verdicts) {
        const r = real.get(v.op);
        if (!r) {
          t.fail(`${v.op}: the probe did not report it`);
          continue;
        }
        row.push(`${v.op}=${v.allowed}${v.blockedBy ? `(${v.blockedBy})` : ''}/${r.ok ? 'ok' : r.errno}`);
        if (v.allowed === 'unknown') {
          const why = v.blockedBy ? cell.unknownOk?.[v.blockedBy] : undefined;
          t.ok(why, `${v.op}: unknown (${v.blockedBy}) is expected here${why ? `: ${why}` : ''}; reality: ${r.ok ? 'allowed' : r.errno}`);
        } else {
          t.equal(v.allowed, r.ok ? 'yes' : 'no', `${v.op}: verdict ${v.allowed}${v.blockedBy ? ` (${v.blockedBy})` : ''}, reality ${r.ok ? 'allowed' : r.errno}: ${v.reason}`);
        }
      }
      summary.push(`${cell.name}: ${row.join(' ')}`);
    });
  }
  t.comment(summary.join('\n'));
});

/**
 * The first alternative of a fix, applied as kubectl would: a profile's additions on top of the
 * runtime's default capabilities, then the --custom snippet. Undefined when it is not a pod change.
 */
function applyFix(cell: Cell, fix: string): Cell | undefined {
  const [first = fix] = fix.split(', or ');
  if (first.includes('--target=')) return { ...cell, pid: 'target' };
  if (first.startsWith('debug inside the target')) return { ...cell, net: 'target' };
  if (first.startsWith('run the debugger in the target\'s user namespace')) {
    return { ...cell, name: `${cell.name}, in the target's user namespace`, inTargetUserns: true, pid: 'target', probeAtStart: undefined };
  }
  const profile = /--profile=(\w+)/.exec(first)?.[1];
  const snippet = /--custom=<file> with (\{.*\})/.exec(first)?.[1];
  if (!profile && !snippet) return undefined;
  const d: SecurityContext = { ...cell.debugger };
  let caps = d.caps ?? RUNTIME_DEFAULT_CAPS;
  if (profile === 'general') caps = [...caps, 'CAP_SYS_PTRACE'];
  else if (profile === 'netadmin') caps = [...caps, 'CAP_NET_ADMIN', 'CAP_NET_RAW'];
  else if (profile !== undefined) return undefined;
  if (snippet) {
    const sc = (JSON.parse(snippet) as { securityContext: { runAsUser?: number; runAsGroup?: number; capabilities?: { add?: string[] } } }).securityContext;
    if (sc.runAsUser !== undefined) Object.assign(d, { uid: sc.runAsUser, gid: sc.runAsGroup ?? 0 });
    caps = [...caps, ...(sc.capabilities?.add ?? []).map((c) => `CAP_${c}`)];
  }
  return { ...cell, name: `${cell.name}, fixed with ${first}`, debugger: { ...d, caps: [...new Set(caps)] } };
}

t.test('each suggested fix, applied as kubectl would, makes the op succeed', { skip: noGcc }, async (t) => {
  const { lab, probeDir } = await labWithProbe(t);
  let tried = 0;
  for (const cell of cells) {
    await t.test(cell.name, async (t) => {
      const { verdicts } = await runCell(t, lab, probeDir, cell);
      for (const v of verdicts.filter((v) => v.allowed === 'no' && v.fix)) {
        const fixed = applyFix(cell, v.fix as string);
        if (!fixed) {
          t.comment(`${v.op} (${v.blockedBy}): fix not applicable in the lab: ${v.fix}`);
          continue;
        }
        tried++;
        const { real } = await runCell(t, lab, probeDir, fixed);
        t.ok(real.get(v.op)?.ok, `${v.op} (${v.blockedBy}) succeeds after: ${v.fix?.split(', or ')[0]} (reality: ${real.get(v.op)?.errno ?? 'ok'})`);
      }
    });
  }
  t.comment(`${tried} fixes applied`);
});

const noCapsh = existsSync('/usr/sbin/capsh') || existsSync('/sbin/capsh') ? false : 'capsh is missing: apt-get install libcap2-bin';

t.test('decoded capability sets match capsh --decode for the same process', { skip: noCapsh }, async (t) => {
  const lab = await labFor(t);
  const id = randomHex(64);
  const c = await lab.run({ id, cgroupsPath: `/nsinspect-access-${randomHex(8)}/${id}`, args: ['sleep', '1000'], customize: securityContext({ uid: 0, caps: PTRACE_CAPS }) });
  const status = readFileSync(`/proc/${c.pid}/status`, 'latin1');
  const creds = readCreds(c.pid);
  const keys = { inheritable: 'CapInh', permitted: 'CapPrm', effective: 'CapEff', bounding: 'CapBnd', ambient: 'CapAmb' } as const;
  for (const set of CAP_SET_NAMES) {
    const hex = new RegExp(`^${keys[set]}:\\s*([0-9a-f]+)$`, 'm').exec(status)?.[1] as string;
    t.equal(creds.caps[set], BigInt(`0x${hex}`), `${set} mask`);
    const out = (await execa('capsh', [`--decode=${hex}`])).stdout; // "0x...=cap_chown,cap_kill"
    const names = out.includes('=') ? out.slice(out.indexOf('=') + 1).split(',').filter(Boolean) : [];
    t.same(decodeCaps(creds.caps[set]).map((n) => n.toLowerCase()), names, `${set}: ${names.length} names as capsh decodes them`);
  }
  t.same(decodeCaps(creds.caps.effective).sort(), [...PTRACE_CAPS].sort(), 'exactly what the OCI spec asked for');
});

const YAMA = '/proc/sys/kernel/yama/ptrace_scope';

const noYama = !existsSync(YAMA)
  ? `Yama is not active on this kernel (no ${YAMA}): scopes untested against reality here; unit tests cover 0-3`
  : readFileSync(YAMA, 'utf8').trim() === '3' ? 'ptrace_scope is 3, which cannot be lowered until reboot' : noGcc;

t.test('every Yama scope the test can undo (0, 1, 2), set and restored', { skip: noYama }, async (t) => {
  const before = readFileSync(YAMA, 'utf8').trim();
  t.teardown(() => writeFileSync(YAMA, before));
  t.comment('scope 3 is not set: it cannot be undone until the node reboots');
  const { lab, probeDir } = await labWithProbe(t);
  const yamaCells: Cell[] = [
    { name: 'same uid 1000, no capabilities', target: { uid: 1000 }, debugger: { uid: 1000 } },
    { name: 'root with SYS_PTRACE debugging uid 1000', target: { uid: 1000 }, debugger: { uid: 0, caps: PTRACE_CAPS } },
  ];
  for (const scope of ['0', '1', '2']) {
    writeFileSync(YAMA, scope);
    for (const cell of yamaCells) {
      await t.test(`scope ${scope}: ${cell.name}`, async (t) => {
        const { verdicts, real } = await runCell(t, lab, probeDir, cell);
        for (const op of ['ptrace', 'read-root'] as const) {
          const v = verdicts.find((x) => x.op === op) as AccessVerdictJSON;
          const r = real.get(op);
          t.equal(v.allowed, r?.ok ? 'yes' : 'no', `${op}: verdict ${v.allowed}${v.blockedBy ? ` (${v.blockedBy})` : ''}, reality ${r?.ok ? 'allowed' : r?.errno}`);
        }
      });
    }
  }
});
