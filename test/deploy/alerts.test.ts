// promtool on the shipped PromQL: the rules parse (check rules), fire as meant (test rules), and the dashboard's queries parse.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { dashboard, ruleGroups } from './promql.js';

const dir = mkdtempSync(join(tmpdir(), 'nsi-promtool-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
// JSON is YAML: promtool reads these files as written.
const write = (name: string, obj: unknown): string => {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(obj, null, 1));
  return p;
};

t.test('promtool check rules accepts the PrometheusRule groups', async (t) => {
  const groups = ruleGroups();
  t.same(groups.flatMap((g) => g.rules.map((r) => r.alert)).sort(), [
    'NsinspectAgentNotSynced', 'NsinspectDebuggerCannotPtrace', 'NsinspectDebuggerRunningLong', 'NsinspectHostNamespaceNotAllowed', 'NsinspectNamespaceMismatch', 'NsinspectScanFailing',
  ]);
  const r = await execa('promtool', ['check', 'rules', write('rules.yaml', { groups })], { reject: false });
  t.equal(r.exitCode, 0, r.stdout + r.stderr);
  t.match(r.stdout, 'SUCCESS: 6 rules found');
});

t.test('promtool check rules accepts every dashboard query (as recording rules)', async (t) => {
  const rules = dashboard().panels.flatMap((p: any) => p.targets.map((tg: any, i: number) => ({ record: `dashboard:panel${p.id}:${i}`, expr: tg.expr })));
  const r = await execa('promtool', ['check', 'rules', write('dashboard.yaml', { groups: [{ name: 'dashboard', rules }] })], { reject: false });
  t.equal(r.exitCode, 0, r.stdout + r.stderr);
  t.ok(rules.length >= 10, `${rules.length} queries`);
});

t.test('promtool test rules: each alert fires when it should, and only then', async (t) => {
  const rules = write('rules.yaml', { groups: ruleGroups() });
  const agent = 'instance="10.0.0.1:9743", job="nsinspect-agent", node="node-a", agent_pod="nsinspect-agent-x"';
  const tests = {
    rule_files: [rules],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: [
          // Started at t=0 (start time 0 s): 4 h 20 min later it has run too long; another started at 3 h has not.
          { series: `nsinspect_ephemeral_container_start_time_seconds{${agent}, namespace="shop", pod="web", container="debugger-old"}`, values: '0x300' },
          { series: `nsinspect_ephemeral_container_start_time_seconds{${agent}, namespace="shop", pod="web", container="debugger-new"}`, values: '10800x300' },
          { series: `nsinspect_namespace_mismatch{${agent}, namespace="shop", pod="web", container="debugger", type="pid", cause="runtime_ignored_target"}`, values: '1x300' },
          { series: `nsinspect_pod_host_namespace{${agent}, namespace="shop", pod="sneaky", type="net"}`, values: '1x300' },
          { series: `nsinspect_pod_host_namespace{${agent}, namespace="kube-system", pod="kube-proxy-x", type="net"}`, values: '1x300' },
          { series: `nsinspect_kube_sync_up{${agent}}`, values: '1x200 0x100' },
          // One debugger the kernel will refuse, one it cannot tell about, one that can.
          { series: `nsinspect_ephemeral_access{${agent}, namespace="shop", pod="web", container="debugger-x", target_container="app", op="ptrace"}`, values: '0x300' },
          { series: `nsinspect_ephemeral_access{${agent}, namespace="shop", pod="web", container="debugger-y", target_container="app", op="ptrace"}`, values: '-1x300' },
          { series: `nsinspect_ephemeral_access{${agent}, namespace="shop", pod="web", container="debugger-z", target_container="app", op="ptrace"}`, values: '1x300' },
          { series: `nsinspect_scrape_success{${agent}}`, values: '1x300' },
        ],
        alert_rule_test: [
          { eval_time: '260m', alertname: 'NsinspectDebuggerRunningLong', exp_alerts: [{ exp_labels: { severity: 'warning', namespace: 'shop', pod: 'web', container: 'debugger-old' }, exp_annotations: { summary: 'Debugger debugger-old in shop/web has run for 4h 20m 0s', description: 'Stop it by ending its process (kubectl exec or attach, then exit), or delete the pod.' } }] },
          { eval_time: '60m', alertname: 'NsinspectNamespaceMismatch', exp_alerts: [{ exp_labels: { severity: 'warning', namespace: 'shop', pod: 'web', container: 'debugger', type: 'pid', cause: 'runtime_ignored_target' }, exp_annotations: { summary: 'shop/web container debugger: pid namespace is not as the spec predicts (runtime_ignored_target)', description: 'See it with: kubectl nsinspect ns web -n shop' } }] },
          { eval_time: '60m', alertname: 'NsinspectHostNamespaceNotAllowed', exp_alerts: [{ exp_labels: { severity: 'critical', namespace: 'shop', pod: 'sneaky', type: 'net' }, exp_annotations: { summary: "shop/sneaky shares the host's net namespace and is not on the allow-list", description: 'Check its spec (hostNetwork, hostPID, hostIPC) and who created it: kubectl get pod sneaky -n shop -o yaml' } }] },
          { eval_time: '205m', alertname: 'NsinspectAgentNotSynced', exp_alerts: [] },
          { eval_time: '215m', alertname: 'NsinspectAgentNotSynced', exp_alerts: [{ exp_labels: { severity: 'warning', node: 'node-a', agent_pod: 'nsinspect-agent-x' }, exp_annotations: { summary: 'nsinspect agent on node-a has not been synced with the API server for 10 minutes', description: 'Its log says why (kubectl logs -n nsinspect-system nsinspect-agent-x): RBAC, NetworkPolicy egress, or the API server unreachable.' } }] },
          { eval_time: '60m', alertname: 'NsinspectScanFailing', exp_alerts: [] },
          { eval_time: '10m', alertname: 'NsinspectDebuggerCannotPtrace', exp_alerts: [{ exp_labels: { severity: 'info', namespace: 'shop', pod: 'web', container: 'debugger-x', target_container: 'app' }, exp_annotations: { summary: 'Debugger debugger-x in shop/web cannot ptrace app', description: 'Why, and the kubectl debug profile that would work: kubectl nsinspect access web debugger-x -n shop' } }] },
        ],
      },
    ],
  };
  const r = await execa('promtool', ['test', 'rules', write('tests.yaml', tests)], { reject: false });
  t.equal(r.exitCode, 0, r.stdout + r.stderr);
  t.match(r.stdout, 'SUCCESS');
});
