// Pure: builds the nsenter (and unshare) argv that runs a command in a target's namespaces. No shell.
import type { NsSet, NsType } from '../model/types.js';
import { NS_TYPES, isNsType } from '../model/types.js';
import { NsinspectError } from '../model/errors.js';

/** all: exactly nsenter --all; tools: every namespace but mnt, with the host's binaries. */
export type NsSelection = 'all' | 'tools' | NsType[];

const FLAG: Record<NsType, string> = { cgroup: '--cgroup', ipc: '--ipc', mnt: '--mount', net: '--net', pid: '--pid', time: '--time', user: '--user', uts: '--uts' };

export const COMMAND_MAX_ARGS = 256;
export const COMMAND_MAX_BYTES = 64 * 1024;

/** Validates a command from a request: a non-empty argv of bounded size, no NUL bytes. */
export function checkCommand(command: unknown): string[] {
  if (!Array.isArray(command) || command.length === 0 || !command.every((a) => typeof a === 'string')) {
    throw new NsinspectError('INVALID', 'command must be a non-empty array of strings (an argv, never a shell string)');
  }
  if (command.length > COMMAND_MAX_ARGS) throw new NsinspectError('INVALID', `command has ${command.length} arguments; at most ${COMMAND_MAX_ARGS}`);
  const bytes = command.reduce((n: number, a: string) => n + Buffer.byteLength(a) + 1, 0);
  if (bytes > COMMAND_MAX_BYTES) throw new NsinspectError('INVALID', `command is ${bytes} bytes; at most ${COMMAND_MAX_BYTES}`);
  if (command.some((a: string) => a.includes('\0'))) throw new NsinspectError('INVALID', 'command arguments may not contain NUL bytes');
  if (command[0] === '') throw new NsinspectError('INVALID', 'the program name is empty');
  return command as string[];
}

/** "tools" | "all" | "net,uts" | ["net","uts"] -> a selection. */
export function parseSelection(s: unknown): NsSelection {
  if (s === undefined || s === 'tools') return 'tools';
  if (s === 'all') return 'all';
  const list = typeof s === 'string' ? s.split(',').map((x) => x.trim()).filter(Boolean) : s;
  if (!Array.isArray(list) || list.length === 0 || !list.every((t) => typeof t === 'string' && isNsType(t))) {
    throw new NsinspectError('INVALID', `namespaces must be "tools", "all" or a list of ${NS_TYPES.join(', ')}`);
  }
  return [...new Set(list as NsType[])].sort();
}

export interface ExecPlan {
  argv: string[];
  /** The namespace types actually entered (those equal to ours are skipped, as nsenter --all does). */
  entered: NsType[];
  /** Whether /proc is remounted in a private mount namespace (pid entered without mnt). */
  freshProc: boolean;
}

/**
 * nsenter --target PID <flags> -- [unshare --mount --mount-proc --] CMD...
 * Types whose namespace we already share are left out: entering one's own user namespace fails,
 * and the others are no-ops.
 */
export function execPlan(pid: number, selection: NsSelection, target: NsSet, own: NsSet, command: string[]): ExecPlan {
  if (selection === 'all') {
    const entered = NS_TYPES.filter((t) => target[t] !== undefined && target[t] !== own[t]);
    return { argv: ['nsenter', '--target', String(pid), '--all', '--', ...command], entered, freshProc: false };
  }
  const wanted = selection === 'tools' ? NS_TYPES.filter((t) => t !== 'mnt') : selection;
  const entered = wanted.filter((t) => target[t] === undefined || target[t] !== own[t]);
  const freshProc = entered.includes('pid') && !entered.includes('mnt');
  const argv = ['nsenter', '--target', String(pid), ...entered.map((t) => FLAG[t]), '--'];
  // Entering pid without mnt would leave the host's /proc: ps would list the host. Mount a fresh one.
  if (freshProc) argv.push('unshare', '--mount', '--mount-proc', '--propagation', 'private', '--');
  argv.push(...command);
  return { argv, entered, freshProc };
}

/** The namespace types a selection asks for, before those we share are left out. */
export function wantedTypes(selection: NsSelection): NsType[] {
  if (selection === 'all') return [...NS_TYPES];
  if (selection === 'tools') return NS_TYPES.filter((t) => t !== 'mnt');
  return selection;
}

/** Paths nsenter opens instead of the target's PID: each names a descriptor the agent holds open. */
export interface PinnedPaths {
  ns: Partial<Record<NsType, string>>;
  root?: string;
  wd?: string;
}

/**
 * A terminal session's shell leads its own session, created inside the target's pid namespace
 * and holding the pty as its controlling terminal (stolen from nsenter's session: root may). A
 * session made outside it has a process group the shell cannot see: job-control shells (dash,
 * busybox ash) then fail to hand the terminal back at exit ("Cannot set tty process group") and
 * exit 2, whatever the user asked. --wait keeps the exit code when setsid has to fork.
 */
const SESSION = ['setsid', '--ctty', '--wait'];

/**
 * nsenter --net=<path> … [--root=<path> --wd=<path>] -- [unshare …] CMD: like execPlan, but every
 * namespace comes from a descriptor opened (and checked) by the agent, never from a PID, so a
 * PID reused after the check cannot redirect the session. `target` holds the inodes behind the
 * descriptors: a type without one was not opened (the kernel lacks it) and is not entered.
 * With `tty`, SESSION runs between the pid namespace and the user and mount ones: after the fork
 * into the pid namespace, still with the host's setsid and the host's CAP_SYS_ADMIN (to take the
 * terminal); a second nsenter then enters user and mnt.
 */
export function pinnedPlan(selection: NsSelection, target: NsSet, own: NsSet, paths: PinnedPaths, command: string[], tty = false): ExecPlan {
  const entered = wantedTypes(selection).filter((t) => target[t] !== undefined && paths.ns[t] !== undefined && target[t] !== own[t]);
  const flags = (types: NsType[]): string[] => types.map((t) => `${FLAG[t]}=${paths.ns[t]}`);
  // With a target PID, nsenter --mount takes the target's root and cwd; here they come pinned too.
  const rootWd = entered.includes('mnt') && paths.root && paths.wd ? [`--root=${paths.root}`, `--wd=${paths.wd}`] : [];
  const freshProc = entered.includes('pid') && !entered.includes('mnt');
  const proc = freshProc ? ['unshare', '--mount', '--mount-proc', '--propagation', 'private', '--'] : [];
  let argv: string[];
  if (!tty) {
    argv = ['nsenter', ...flags(entered), ...rootWd, '--', ...proc, ...command];
  } else {
    const late = entered.filter((t): boolean => t === 'user' || t === 'mnt');
    const early = entered.filter((t) => !late.includes(t));
    argv = [...(early.length ? ['nsenter', ...flags(early), '--'] : []), ...SESSION, ...(late.length ? ['nsenter', ...flags(late), ...rootWd, '--'] : []), ...proc, ...command];
  }
  return { argv, entered, freshProc };
}
