// Owns a benchmark's life: clean-up hooks run once (at the end, on an error or on a signal), temp dirs, and the exit code.
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';

const hooks: Array<() => unknown> = [];
const sync: Array<() => void> = [];
let cleaning: Promise<void> | undefined;
let aborted: string | undefined;

/** Registers clean-up, run last-registered first; a failing hook is reported and the rest still run. */
export function onCleanup(f: () => unknown): void {
  hooks.push(f);
}

/** A synchronous last resort, run on a signal and at process exit (for what must not outlive us). */
export function onExit(f: () => void): void {
  sync.push(f);
}

export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const f of hooks.reverse()) {
      try {
        await f();
      } catch (e) {
        console.error(`clean-up: ${(e as Error).message}`);
      }
    }
  })();
  return cleaning;
}

/** Throws once a signal asked us to stop: long loops call it between steps. */
export function checkAborted(): void {
  if (aborted) throw new Error(`aborted by ${aborted}`);
}

/** A private temp dir, removed at clean-up. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `nsinspect-bench-${prefix}-`));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Runs a scenario's main: clean-up always, exit code 0 (or what main returns: 1 for a missed
 * target), 1 with the stack on an error, 128 + signal number on SIGINT, SIGTERM or SIGHUP.
 */
export function runBench(name: string, main: () => Promise<number | void>): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      aborted = sig;
      process.stderr.write(`\n${sig}: cleaning up (lab containers, load, agents)...\n`);
      for (const f of sync) f();
      void cleanup().finally(() => process.exit(128 + os.constants.signals[sig]));
    });
  }
  process.once('exit', () => {
    for (const f of sync) f();
  });
  main().then(
    async (code) => {
      await cleanup();
      // Exit now: keep-alive sockets or an agent's handles must not hold the process open.
      process.exit(code ?? 0);
    },
    async (e: unknown) => {
      await cleanup();
      console.error(`${name} benchmark failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      process.exit(1);
    },
  );
}
