// The agent's JSON log as an operator reads it: level names, ISO times, where each listener is, and a shutdown line.
import t from 'tap';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startAgentProcess, terminate } from '../helpers/agent-process.js';

t.test('start and SIGTERM: every line JSON with a level name and an ISO time; the listeners; the shutdown', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'nsi-log-')), 'agent.log');
  const fd = openSync(file, 'w');
  t.teardown(() => closeSync(fd));
  const metricsPort = await freePort();
  const a = await startAgentProcess(t, ['--auth', 'none', '--metrics-listen', `127.0.0.1:${metricsPort}`], { stdout: fd });
  const r = await terminate(a);
  t.equal(r.exitCode, 0, 'a clean exit');
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: unknown; time: unknown; msg: string });
  t.ok(lines.length >= 5, `${lines.length} lines`);
  for (const l of lines) {
    t.match(l.level, /^(trace|debug|info|warn|error|fatal)$/, `a level name: ${l.msg}`);
    t.match(l.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'an ISO 8601 time');
  }
  const msgs = lines.map((l) => l.msg);
  t.ok(msgs.includes(`API listening at ${a.api}`), 'where the API listens');
  t.ok(msgs.includes(`metrics listening at http://127.0.0.1:${metricsPort}`), 'where the metrics listen');
  const down = msgs.findIndex((m) => m.startsWith('shutting down'));
  t.ok(down > 0, 'a shutdown line');
  t.equal(msgs[msgs.length - 1], 'stopped', 'and the last line says it stopped');
  t.match(lines[lines.length - 1], { level: 'info', ms: Number });
});
