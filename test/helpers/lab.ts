// Test helpers: a runc lab torn down with the test, spawned processes that die with it, ground truth.
import { statSync } from 'node:fs';
import type { Test } from 'tap';
import { execa, type ResultPromise } from 'execa';
import { Lab } from '../../lab/runc.js';
import { NS_TYPES, type NsSet } from '../../agent/model/types.js';

/** A fresh lab whose containers and cgroups are removed when the test ends, pass or fail. */
export async function labFor(t: Test): Promise<Lab> {
  const lab = new Lab();
  t.teardown(() => lab.cleanup());
  return lab.init();
}

/** Spawns a long-running process that is killed (with its group) at teardown. */
export function spawnFor(t: Test, file: string, args: string[]): ResultPromise {
  const child = execa(file, args, { reject: false, stdio: 'ignore', detached: true, cleanup: true });
  t.teardown(async () => {
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await child;
  });
  return child;
}

/** Ground truth from stat(2): the inode of each namespace of pid, by following the links. */
export function statNamespaces(pid: number): NsSet {
  const out: NsSet = {};
  for (const t of NS_TYPES) {
    try {
      out[t] = statSync(`/proc/${pid}/ns/${t}`).ino;
    } catch {
      // unreadable or gone: leave it out
    }
  }
  return out;
}

/** Polls until f returns a value (not undefined), or fails after timeoutMs. */
export async function waitFor<T>(what: string, f: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Child PIDs of a process, from /proc/<pid>/task/<pid>/children. */
export { childrenOf } from './children.js';
