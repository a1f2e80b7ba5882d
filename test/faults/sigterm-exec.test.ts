// Fault: SIGTERM reaches the agent process while exec and attach sessions run: they end, their processes die, exit 0.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { labFor, waitFor } from '../helpers/lab.js';
import { startDemoPod } from '../../lab/pod.js';
import { startAgentProcess, terminate } from '../helpers/agent-process.js';
import { attachURL, openAttach } from '../../cli/cluster/attach-client.js';

/** Host PIDs whose command line mentions marker (the exec'd sleep, its nsenter and unshare). */
function withMarker(marker: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').includes(marker)) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

t.test('SIGTERM with live one-shot exec and attach sessions', async (t) => {
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  const agent = await startAgentProcess(t, ['--auth', 'none']);
  // A marker nobody else runs: the sleep's argument.
  const marker = String(300_000 + Math.floor(Math.random() * 90_000));
  const exec = (namespaces: string) =>
    fetch(`${agent.api}/v1/containers/${pod.app.id}/exec`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ command: ['sleep', marker], namespaces, timeoutSeconds: 600 }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }));
  // One in the container's own filesystem, one with the node's tools (nsenter, unshare --mount-proc).
  const sessions = [exec('all'), exec('tools')];
  // And an interactive one: a WebSocket attach with a pty.
  const attached = await openAttach(attachURL(agent.api, `/v1/containers/${pod.app.id}/attach`, { command: ['sleep', marker], tty: true, namespaces: 'all', cols: 80, rows: 24 }), 'unused', 'node-a', {
    stdout: () => undefined,
    stderr: () => undefined,
  });
  t.teardown(() => attached.close());
  const sleeps = (): number => withMarker(marker).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'sleep';
    } catch {
      return false;
    }
  }).length;
  await waitFor('the three sleeps to run', () => (sleeps() === 3 ? true : undefined), 20_000);

  const r = await terminate(agent);
  t.equal(r.exitCode, 0, 'exit 0, not the forced exit 1 after a 10 s drain', { signal: r.signal, stderr: r.stderr.slice(-500) });
  t.ok(r.ms < 8_000, `exited in ${Math.round(r.ms)} ms, without waiting for the 600 s sessions`);
  for (const s of await Promise.all(sessions)) {
    // Each one-shot client hears why its session ended.
    t.equal(s.status, 503, 'one-shot exec answered 503');
    t.match(s.body, { error: { code: 'UNAVAILABLE', message: /the exec session was ended because the agent is shutting down; its processes were killed/ } });
  }
  t.equal((await attached.done).reason, 'shutdown', 'the attach client gets a status frame with reason shutdown');
  await waitFor('no process of the sessions left', () => (withMarker(marker).length === 0 ? true : undefined), 5_000).catch(() => undefined);
  t.same(withMarker(marker), [], 'no orphan: sleep, nsenter and unshare are all gone');
  t.ok(readFileSync(`/proc/${pod.app.pid}/stat`, 'utf8').length > 0, 'the container itself is untouched');
});
