// The log of an interactive session that ends normally: the pty's closing EIO is no warning, no stack.
import t from 'tap';
import { apiServerFor, demoPodJson, NODE, TEST_CGROUP_PARENT } from '../helpers/cluster.js';
import { labFor, waitFor } from '../helpers/lab.js';
import { startDemoPod } from '../../lab/pod.js';
import { buildAgent } from '../../agent/server/compose.js';
import { attachURL, openAttach } from '../../cli/cluster/attach-client.js';

t.test('sessions in a pty that end by exit: audit lines, no warning', async (t) => {
  const lab = await labFor(t);
  const pod = await startDemoPod(lab);
  const srv = await apiServerFor(t);
  srv.auth.allow({ user: 'node-admin', verb: 'create', resource: 'nodes', subresource: 'proxy', name: NODE });
  srv.pods.add(demoPodJson(pod));
  const log: Array<{ level: number; msg: string; err?: unknown; component?: string }> = [];
  const agent = await buildAgent(
    { kubeconfig: srv.kubeconfigPath, nodeName: NODE, auth: 'kubernetes', metricsContainerInodes: false, nodeScanIntervalMs: 60_000, execCgroupParent: TEST_CGROUP_PARENT },
    { level: 'debug', stream: { write: (l: string) => void log.push(JSON.parse(l)) } },
  );
  t.teardown(() => agent.close());
  agent.start();
  await waitFor('the first pod sync', () => (agent.pods?.synced() ? true : undefined), 10_000);
  const base = await agent.app.listen({ host: '127.0.0.1', port: 0 });
  const from = log.length;
  // A shell that exits by itself, and one told to: both end with EIO on the pty's master.
  for (const [command, input, code] of [[['sh', '-c', 'echo done; exit 3'], '', 3], [['sh'], 'exit 0\n', 0]] as const) {
    let out = '';
    const conn = await openAttach(attachURL(base, '/v1/pods/shop/web/containers/app/attach', { command: [...command], tty: true, namespaces: 'all', cols: 80, rows: 24 }), 'admin-token', NODE, {
      stdout: (b) => (out += b.toString()),
      stderr: () => undefined,
    });
    t.teardown(() => conn.close());
    if (input) {
      await waitFor('the prompt', () => (/# (\x1b\[6n)?$/.test(out) ? true : undefined), 10_000);
      await new Promise((r) => setTimeout(r, 200));
      conn.write(input);
    }
    t.same(await conn.done, { exitCode: code, reason: 'exit' }, `${command.join(' ')}: the exit code`);
  }
  await waitFor('both sessions audited', () => (log.slice(from).filter((l) => l.msg === 'exec session end').length >= 2 ? true : undefined), 10_000);
  const session = log.slice(from);
  const warnings = session.filter((l) => l.level >= 40);
  t.same(warnings.map((l) => l.msg), [], 'no warning or error for sessions that ended normally');
  t.notOk(session.some((l) => JSON.stringify(l).includes('"stack"')), 'no stack in the log');
});
