// The node-wide namespace read: one thread or two, the same inodes; gone processes read as 0.
import t from 'tap';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { NS_TYPES } from '../../../../agent/model/types.js';
import { scanNsInodes } from '../../../../agent/procfs/ns-scan.js';
import { listPids } from '../../../../agent/procfs/proc.js';
import { HOST_NS, procFixture } from '../../../helpers/proc-fixture.js';

/** 300 fixture processes (three chunks), each in its own net namespace; pid 5 is gone. Made once: it takes a while. */
const fx = procFixture(t, 'v2');
for (let pid = 10; pid < 310; pid++) fx.process({ pid, ppid: 1, comm: 'sh', cmdline: ['sh'], ns: { net: 4026600000 + pid, time: null } });
const root = fx.proc;
const pids = [5, ...listPids(root)];

/** What every pid's links should read: its own net, the host's others, 0 for time (absent) and for pid 5. */
function expected(pids: number[]): number[] {
  return pids.flatMap((pid) => NS_TYPES.map((type) => (pid === 5 || type === 'time' ? 0 : type === 'net' ? 4026600000 + pid : HOST_NS[type])));
}

t.test('one thread reads every link; a missing one is 0', async (t) => {
  const scan = scanNsInodes(pids, NS_TYPES, root, { minParallel: Infinity });
  t.equal(scan.workerChunks, 0, 'no worker below the threshold');
  t.same([...scan.inodes], expected(pids));
});

t.test('a worker thread reads the same links into shared memory', async (t) => {
  const scan = scanNsInodes(pids, NS_TYPES, root, { minParallel: 1, workerOnly: true });
  t.equal(scan.workerChunks, 3, 'every chunk read by the worker');
  t.same([...scan.inodes], expected(pids));
  let ran = false;
  const both = scanNsInodes(pids, NS_TYPES, root, { minParallel: 1, meanwhile: () => (ran = true) });
  t.ok(ran, 'the caller’s other work ran');
  t.same([...both.inodes], expected(pids), 'split between the threads: the same answer');
});

t.test('every CPU busy (procfs loadavg): no worker, which would only queue behind them', async (t) => {
  t.teardown(() => rmSync(`${root}/loadavg`, { force: true }));
  writeFileSync(`${root}/loadavg`, '9.10 8.00 7.00 64/11000 4242\n');
  const scan = scanNsInodes(pids, NS_TYPES, root, { minParallel: 1, workerOnly: true });
  t.equal(scan.workerChunks, 0);
  t.same([...scan.inodes], expected(pids));
  writeFileSync(`${root}/loadavg`, '0.10 0.20 0.30 1/11000 4242\n');
  t.equal(scanNsInodes(pids, NS_TYPES, root, { minParallel: 1, workerOnly: true }).workerChunks, 3, 'only ourselves runnable: the worker reads');
});

t.test('a worker that fails costs time, never answers: the main thread reads its chunks', async (t) => {
  const scan = scanNsInodes(pids, NS_TYPES, root, { minParallel: 1, workerOnly: true, failWorker: true });
  t.equal(scan.workerChunks, 0);
  t.same([...scan.inodes], expected(pids));
});

t.test('the real kernel: our own links, as stat(2) sees their inodes', async (t) => {
  const types = NS_TYPES.filter((type) => statSync(`/proc/self/ns/${type}`, { throwIfNoEntry: false }));
  const scan = scanNsInodes([process.pid], types, '/proc');
  t.same([...scan.inodes], types.map((type) => statSync(`/proc/self/ns/${type}`).ino));
});
