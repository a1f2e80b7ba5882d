// One exec session's cgroups once made: who is in them, killing them as a unit (v2 cgroup.kill, v1 freezer, a SIGKILL walk), removing them.
import { existsSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errnoOf } from '../model/errors.js';
import { readCgroupProcs, subdirs } from './cgroupfs.js';

export type HierarchyKind = 'v2' | 'memory' | 'pids' | 'freezer';

/** One hierarchy the sessions live in (session-cgroup.ts finds them). */
export interface SessionHierarchy {
  kind: HierarchyKind;
  /** Absolute directory of nsinspect-sessions in this hierarchy. */
  base: string;
  /** v2: whether memory.max and pids.max exist in a session cgroup. */
  limits: boolean;
}

/** One session's cgroups: the agent never joins them; the session's first process does, before its command runs. */
export interface SessionCgroup {
  /** cgroup.procs files the session's first process writes its own PID to. */
  procsFiles: string[];
  /** Whether pid sits in this session's cgroups (every hierarchy used). */
  holds(pid: number): boolean;
  /** PIDs in the session's cgroups now. */
  members(): number[];
  /** Kills every process in the session as a unit and waits until none is left. Idempotent. */
  kill(): Promise<void>;
  /** Removes the session's cgroups (after kill); retries while the last exits finish. */
  remove(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Writes a cgroup file; false when the kernel refuses (no such controller, read-only, busy). */
export function write(path: string, value: string): boolean {
  try {
    writeFileSync(path, value);
    return true;
  } catch {
    return false;
  }
}

/** A cgroup file's text, trimmed; '' when unreadable. */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Session `name`'s cgroups in the hierarchies hs (those that hold it). */
export function openSession(name: string, hs: readonly SessionHierarchy[]): SessionCgroup {
  const dirs = hs.map((h) => join(h.base, name));
  const v2 = hs.find((h) => h.kind === 'v2');
  const freezer = hs.find((h) => h.kind === 'freezer');
  const members = (): number[] => [...new Set(dirs.flatMap((d) => readCgroupProcs(d) ?? []))];
  let killing: Promise<void> | undefined;
  return {
    procsFiles: dirs.map((d) => join(d, 'cgroup.procs')),
    holds: (pid) => dirs.every((d) => (readCgroupProcs(d) ?? []).includes(pid)),
    members,
    kill: () =>
      (killing ??= (async () => {
        const v2dir = v2 && join(v2.base, name);
        if (v2dir && existsSync(join(v2dir, 'cgroup.kill')) && write(join(v2dir, 'cgroup.kill'), '1')) {
          // The kernel kills every process below, forks racing included; wait for the exits.
          for (let i = 0; i < 200 && members().length > 0; i++) await sleep(10);
          return;
        }
        const fdir = freezer && join(freezer.base, name);
        for (let round = 0; round < 50; round++) {
          // Frozen, nothing can fork between the read and the kill; SIGKILL lands on thaw.
          const frozen = fdir !== undefined && (await freeze(fdir));
          const pids = members();
          for (const p of pids) {
            try {
              process.kill(p, 'SIGKILL');
            } catch {
              // gone
            }
          }
          if (fdir !== undefined) write(join(fdir, 'freezer.state'), 'THAWED');
          if (pids.length === 0 && (frozen || fdir === undefined)) return;
          await sleep(5 * (round + 1));
        }
      })()),
    remove: async () => {
      for (let i = 0; i < 100; i++) {
        let left = 0;
        for (const d of dirs) left += removeTree(d);
        if (left === 0) return;
        await sleep(10);
      }
    },
  };
}

/** v1 freezer: FROZEN, and wait until the state says so (FREEZING while tasks settle). */
async function freeze(dir: string): Promise<boolean> {
  if (!write(join(dir, 'freezer.state'), 'FROZEN')) return false;
  for (let i = 0; i < 100; i++) {
    if (readText(join(dir, 'freezer.state')) === 'FROZEN') return true;
    await sleep(5);
  }
  return false;
}

/** rmdir dir and its children, deepest first; returns how many directories are left. */
function removeTree(dir: string): number {
  let left = 0;
  for (const c of subdirs(dir)) left += removeTree(join(dir, c));
  try {
    rmdirSync(dir);
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') left++;
  }
  return left;
}
