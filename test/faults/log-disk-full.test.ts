// Fault: the log's disk is full (a 64 KiB tmpfs, /dev/full): the agent keeps serving, drops log lines, exits 0.
import t, { type Test } from 'tap';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { startAgentProcess, terminate } from '../helpers/agent-process.js';

/** A 64 KiB tmpfs in a temp dir, unmounted at teardown. */
async function tinyDisk(t: Test): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'nsi-full-'));
  await execa('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', dir]);
  t.teardown(async () => {
    await execa('umount', ['-l', dir], { reject: false });
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Fills the file system holding dir until ENOSPC; returns the filler's path. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(4096, 0x61);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return path;
}

async function hammer(api: string, n: number): Promise<number[]> {
  const codes: number[] = [];
  for (let i = 0; i < n; i++) {
    // A 404 logs an error line too; /v1/processes reads /proc.
    const url = i % 3 === 0 ? `${api}/v1/processes/${process.pid}` : i % 3 === 1 ? `${api}/v1/nope-${i}` : `${api}/healthz`;
    codes.push((await fetch(url, { signal: AbortSignal.timeout(5_000) })).status);
  }
  return codes;
}

t.test('the log file system fills up: requests are still answered, logging resumes when space returns', async (t) => {
  const dir = await tinyDisk(t);
  const log = join(dir, 'agent.log');
  const fd = openSync(log, 'w');
  // Request logging on: two lines per request, so the log really does grow.
  const agent = await startAgentProcess(t, ['--auth', 'none'], { stdout: fd, env: { LOG_REQUESTS: '1' } });
  closeSync(fd);
  t.match(readFileSync(log, 'utf8'), /"msg":"API listening at http:\/\/127\.0\.0\.1:\d+"/, 'it logged while there was room');

  const filler = fill(dir);
  const before = statSync(log).size;
  const codes = await hammer(agent.api, 300);
  t.same([...new Set(codes)].sort(), [200, 404], 'every request answered, with its own status, no 5xx');
  t.equal(agent.child.exitCode, null, 'still running');
  t.ok(statSync(log).size - before < 8192, 'the log could not grow (the disk is full)');

  rmSync(filler);
  await hammer(agent.api, 10);
  const after = readFileSync(log, 'utf8');
  t.ok(after.length > before, 'log lines are written again once there is space');
  t.match(after.slice(before), /"url":"\/healthz"/, 'a request logged after the disk had room again');

  const r = await terminate(agent);
  t.equal(r.exitCode, 0, 'SIGTERM exits 0', { signal: r.signal, stderr: r.stderr.slice(-500) });
  t.ok(r.ms < 10_000, `exited in ${Math.round(r.ms)} ms`);
});

t.test('stdout is /dev/full from the start: the agent serves and exits 0', async (t) => {
  const fd = openSync('/dev/full', 'w');
  const agent = await startAgentProcess(t, ['--auth', 'none'], { stdout: fd, env: { LOG_REQUESTS: '1' } });
  closeSync(fd);
  const codes = await hammer(agent.api, 100);
  t.same([...new Set(codes)].sort(), [200, 404]);
  const who = (await (await fetch(`${agent.api}/v1/processes/${process.pid}`)).json()) as { pid: number };
  t.equal(who.pid, process.pid, 'node-local answers are intact');
  const r = await terminate(agent);
  t.equal(r.exitCode, 0, 'SIGTERM exits 0', { signal: r.signal, stderr: r.stderr.slice(-500) });
  t.ok(r.ms < 10_000, `exited in ${Math.round(r.ms)} ms`);
});
