// Opens a process's namespace files (and root, cwd) and keeps them open: the PID is looked up once.
import { closeSync, existsSync, fstatSync, openSync } from 'node:fs';
import type { NsType } from '../model/types.js';
import { NsinspectError, errnoOf, wrap } from '../model/errors.js';
import { readStartTime } from './proc.js';
import { procRootFromEnv } from './root.js';

/** Open descriptors on one process's namespaces, pinned: they name the same objects whatever the PID does next. */
export interface NsFds {
  /** fd per namespace type, as opened from /proc/<pid>/ns/<type>. */
  ns: Partial<Record<NsType, number>>;
  /** The inode behind each fd (fstat), the namespace's identity. */
  inodes: Partial<Record<NsType, number>>;
  /** fd on /proc/<pid>/root and /proc/<pid>/cwd, when asked for (entering mnt needs them). */
  root?: number;
  cwd?: number;
  /** Closes every fd. Idempotent. */
  close(): void;
}

/**
 * Opens /proc/<pid>/ns/<type> for each type (a type the kernel lacks is skipped), and root and
 * cwd when `dirs`, then re-reads the start time: only if it still equals `startTime` were the
 * files opened on the process that was resolved (a PID reused before the opens would show a
 * later start time). From then on nothing looks the PID up again. Throws NOT_RUNNING when the
 * process changed or vanished; every fd is closed on any failure.
 */
export function openNsFds(pid: number, startTime: number, types: readonly NsType[], dirs: boolean, proc = procRootFromEnv()): NsFds {
  const opened: number[] = [];
  const closeAll = (): void => {
    for (const fd of opened.splice(0)) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
  };
  const gone = (): NsinspectError =>
    new NsinspectError('NOT_RUNNING', `process ${pid} changed since it was looked up (exited, or its PID was reused)`, { hint: 'the container restarted; try again' });
  const open = (path: string, what: string, optional: boolean): number | undefined => {
    try {
      const fd = openSync(path, 'r');
      opened.push(fd);
      return fd;
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT' && optional) return undefined;
      if (code === 'ENOENT' || code === 'ESRCH') throw gone();
      throw wrap(`opening ${what} of pid ${pid}`, err);
    }
  };
  try {
    const ns: NsFds['ns'] = {};
    const inodes: NsFds['inodes'] = {};
    for (const t of types) {
      // Missing: the kernel lacks the type (time before 5.6), or the process is exiting (a zombie
      // has no namespaces left). Only the first may be skipped, or a session would enter nothing.
      const fd = open(`${proc}/${pid}/ns/${t}`, `the ${t} namespace`, true);
      if (fd === undefined) {
        if (existsSync(`/proc/self/ns/${t}`)) throw gone();
        continue;
      }
      ns[t] = fd;
      inodes[t] = fstatSync(fd).ino;
    }
    const root = dirs ? open(`${proc}/${pid}/root`, 'the root directory', false) : undefined;
    const cwd = dirs ? open(`${proc}/${pid}/cwd`, 'the working directory', false) : undefined;
    // After the opens: the same start time means the files belong to the process we resolved.
    if (readStartTime(pid, proc) !== startTime) throw gone();
    const fds = [...opened];
    let closed = false;
    return {
      ns,
      inodes,
      ...(root !== undefined ? { root } : {}),
      ...(cwd !== undefined ? { cwd } : {}),
      close: () => {
        if (closed) return;
        closed = true;
        for (const fd of fds) {
          try {
            closeSync(fd);
          } catch {
            // already closed
          }
        }
      },
    };
  } catch (err) {
    closeAll();
    throw err;
  }
}
