// The node-wide namespace read behind lsns: every link of every process, split over two threads on a large node.
import { readlinkSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import type { NsType } from '../model/types.js';
import { readSmallFile } from './proc.js';
import { procRootFromEnv } from './root.js';

/** node:worker_threads costs ~3 ms to load: only a scan that starts a worker loads it (ns, diff, ps and the agent do not). */
// Anchored at the node binary, not import.meta.url: a built-in resolves from anywhere, and the CLI's
// CommonJS bundle (dist/cli/bundle/main.cjs) has no import.meta.
const lazyRequire = createRequire(process.execPath);

/** PIDs per claim: small enough to balance two threads, large enough that claiming costs nothing. */
const CHUNK = 128;
/**
 * Below this many PIDs one thread reads them all: a worker costs ~30 ms of start-up (its own V8
 * isolate) and the links of 4,000 processes take about as long on one thread.
 */
export const PARALLEL_MIN_PIDS = 4000;
/** How long the main thread waits for a worker's chunk without any progress before reading it itself. */
const STALL_MS = 5000;

// ctl layout (Int32Array over shared memory): [0] the next chunk to claim, [FAILED] whether the
// worker failed, then one cell per chunk from CELLS on: DONE once the worker has filled it.
const FAILED = 1;
const CELLS = 2;
const DONE = 2;

/**
 * Claims chunks of pids and fills out[i * types.length + j] with the inode of types[j] of pids[i]
 * (0 where unreadable: gone, denied or absent). Self-contained on purpose (no imports, no inner
 * functions): the worker runs its source text. worker: marks each chunk it fills in ctl.
 */
function scanChunks(readlink: (path: string) => string, root: string, types: readonly string[], pids: Int32Array, out: Float64Array, chunk: number, ctl: Int32Array, worker: boolean, mine: Uint8Array | null): void {
  const k = types.length;
  const chunks = Math.ceil(pids.length / chunk);
  for (;;) {
    const c = Atomics.add(ctl, 0, 1);
    if (c >= chunks) return;
    if (mine) mine[c] = 1;
    const end = Math.min(pids.length, (c + 1) * chunk);
    for (let i = c * chunk; i < end; i++) {
      const base = root + '/' + pids[i] + '/ns/';
      for (let j = 0; j < k; j++) {
        let link;
        try {
          link = readlink(base + types[j]);
        } catch {
          out[i * k + j] = 0; // gone (ENOENT, ESRCH) or denied (EACCES): ordinary per-process outcomes
          continue;
        }
        // "net:[4026531840]": the inode sits between the brackets. Parsed digit by digit: a slice
        // and Number() per link cost ~0.3 us, 25 ms over 88,000 links. Malformed: NaN, as Number() says.
        let inode = 0;
        for (let p = link.indexOf('[') + 1, e = link.length - 1; p < e; p++) {
          const d = link.charCodeAt(p) - 48;
          if (d < 0 || d > 9) {
            inode = NaN;
            break;
          }
          inode = inode * 10 + d;
        }
        out[i * k + j] = inode;
      }
    }
    if (worker) {
      // ctl[2 + c] = 2 (CELLS + c = DONE): literals, as this source runs in the worker alone.
      Atomics.store(ctl, 2 + c, 2);
      Atomics.notify(ctl, 2 + c);
    }
  }
}

const WORKER_SOURCE = `const { workerData: d } = require('node:worker_threads');
const ctl = new Int32Array(d.ctl);
try {
  if (d.fail) throw new Error('failing as the test asked');
  (${scanChunks.toString()})(require('node:fs').readlinkSync, d.root, d.types, new Int32Array(d.pids), new Float64Array(d.out), ${CHUNK}, ctl, true, null);
} catch {
  Atomics.store(ctl, ${FAILED}, 1);
  Atomics.notify(ctl, ${FAILED});
}`;

export interface NsScan {
  /** inodes[i * types.length + j]: the inode of types[j] of pids[i], 0 where unreadable. */
  inodes: Float64Array;
  /** Chunks of CHUNK PIDs read by the worker (0: one thread read them all). */
  workerChunks: number;
}

/**
 * Whether every CPU already has a runnable task besides ours (procfs's loadavg: "0.52 0.58 0.59
 * 3/183 1692", runnable/all, ourselves included): a worker would then only win a
 * share of a busy CPU, and on a loaded 2-core machine that never measurably repaid its start-up
 * (~50 ms of CPU). A snapshot, so a heuristic; unreadable counts as idle.
 */
function cpusBusy(root: string): boolean {
  let runnable: number;
  try {
    runnable = Number(readSmallFile(`${root}/loadavg`, 'latin1').split(' ')[3]?.split('/')[0]);
  } catch {
    return false;
  }
  return Number.isFinite(runnable) && runnable - 1 >= os.availableParallelism();
}

export interface ScanOptions {
  /** Two threads from this many PIDs on (Infinity: always one). */
  minParallel?: number;
  /** Other work for the main thread, run while the worker starts (every chunk is read either way). */
  meanwhile?: () => void;
  /** Tests: the main thread leaves every chunk to the worker (and still reads what it fails to). */
  workerOnly?: boolean;
  /** Tests: the worker throws before reading anything. */
  failWorker?: boolean;
}

/**
 * The namespace inodes of every pid, read exactly (every link, every call). With at least
 * minParallel PIDs and a second CPU not busy, a worker thread reads chunks of them beside the main thread,
 * which blocks on shared memory (Atomics.wait) so the call stays synchronous. A worker that fails
 * or stalls costs time, never answers: the main thread reads whatever it left.
 */
export function scanNsInodes(pids: readonly number[], types: readonly NsType[], root = procRootFromEnv(), opts: ScanOptions = {}): NsScan {
  const { minParallel = PARALLEL_MIN_PIDS, meanwhile, workerOnly = false, failWorker = false } = opts;
  const n = pids.length;
  const chunks = Math.ceil(n / CHUNK);
  const parallel = n >= minParallel && chunks > 1 && os.availableParallelism() > 1 && !cpusBusy(root);
  const share = (bytes: number): SharedArrayBuffer | ArrayBuffer => (parallel ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const pidBuf = share(4 * n);
  const outBuf = share(8 * n * types.length);
  const ctlBuf = share(4 * (CELLS + chunks));
  const pidArr = new Int32Array(pidBuf);
  pidArr.set(pids);
  const out = new Float64Array(outBuf);
  const ctl = new Int32Array(ctlBuf);
  const mine = new Uint8Array(chunks);
  let worker: Worker | undefined;
  if (parallel) {
    try {
      const { Worker: WorkerThread } = lazyRequire('node:worker_threads') as typeof import('node:worker_threads');
      worker = new WorkerThread(WORKER_SOURCE, { eval: true, workerData: { root, types: [...types], pids: pidBuf, out: outBuf, ctl: ctlBuf, fail: failWorker }, stdout: true, stderr: true });
      worker.unref();
      worker.on('error', () => {}); // a failed worker is read around below, never thrown
    } catch {
      worker = undefined; // no threads here (a resource limit): one thread reads everything
    }
  }
  // While the worker boots, the caller's other work; then the main thread claims chunks too.
  meanwhile?.();
  if (!workerOnly || !worker) scanChunks(readlinkSync, root, types, pidArr, out, CHUNK, ctl, false, mine);
  if (!worker) return { inodes: out, workerChunks: 0 };
  let workerChunks = 0;
  let abandoned = false;
  for (let c = 0; c < chunks; c++) {
    if (mine[c]) continue;
    // Waits while the worker makes progress; STALL_MS without a chunk done, and it is given up on.
    for (let waited = 0; !abandoned && Atomics.load(ctl, CELLS + c) !== DONE; waited += 50) {
      if (Atomics.load(ctl, FAILED) !== 0 || waited >= STALL_MS) abandoned = true;
      else Atomics.wait(ctl, CELLS + c, 0, 50);
    }
    if (Atomics.load(ctl, CELLS + c) === DONE) {
      workerChunks++;
      continue;
    }
    // The worker failed or stalled: read its chunk here (the same links, so the same answer).
    const one = new Int32Array([c]);
    scanChunks(readlinkSync, root, types, pidArr.subarray(0, Math.min(n, (c + 1) * CHUNK)), out, CHUNK, one, false, null);
  }
  // A stalled worker may still write into shared memory: the caller gets a copy of its own.
  return { inodes: abandoned ? out.slice() : out, workerChunks };
}
