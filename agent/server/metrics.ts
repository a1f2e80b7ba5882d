// Prometheus metrics (prom-client), refreshed from the pod cache and the engine on each scrape.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PodDirectory } from '../model/pod.js';
import type { NsType } from '../model/types.js';
import type { PodInspector } from '../inspect/pod-inspector.js';
import type { DecisionKind } from '../model/auth.js';
import type { PodView } from '../model/pod-view.js';
import { hostNamespaces } from '../discovery/host.js';
import { VERSION } from '../protocol/protocol.js';

/** Types where "the host's" is a security signal; user, time and (on v1) cgroup are the host's by default. */
const HOST_SIGNAL_TYPES: NsType[] = ['ipc', 'net', 'pid', 'uts'];

export interface MetricsDeps {
  pods: PodDirectory | null;
  inspector: PodInspector;
  /** Up state of the pod watch; undefined when Kubernetes is off. */
  kubeUp?: () => boolean;
  /** Cached node-wide counts, refreshed in the background (a full /proc scan is too slow per scrape). */
  nodeCounts: () => { processes: number; namespaces: Partial<Record<NsType, number>> } | undefined;
  /** Export nsinspect_container_namespace_info with inode labels (high cardinality: off by default). */
  containerInodes?: boolean;
  /** Exec sessions running now. */
  execActive?: () => number;
  /**
   * Export the per-pod families (namespace and pod labels: every pod and debugger on the node,
   * whatever its namespace). Off by default: whoever may scrape would learn other namespaces'
   * pods. containerInodes implies it.
   */
  podLabels?: boolean;
  /** A rendered scrape is reused this long (0: never), so a scrape storm costs one render. */
  cacheMs?: number;
  /** The exec limits in force (sessions, per user, reserved, lifetime, cgroup memory and pids). */
  execLimits?: Record<string, number>;
}

export class Metrics {
  readonly registry = new Registry();
  readonly authz = new Counter({ name: 'nsinspect_authz_decisions_total', help: 'Authorization decisions of the API and of /metrics, by outcome.', labelNames: ['decision'], registers: [this.registry] });
  readonly execSessions = new Counter({ name: 'nsinspect_exec_sessions_total', help: 'Exec sessions, by namespace mode and result.', labelNames: ['mode', 'result'], registers: [this.registry] });
  private readonly execActive = new Gauge({ name: 'nsinspect_exec_sessions_active', help: 'Exec sessions running now.', registers: [this.registry] });
  private readonly execLimit = new Gauge({ name: 'nsinspect_exec_limit', help: 'Exec limits in force, by limit (sessions, per user, reserved slots, lifetime and idle seconds, output bytes, cgroup memory bytes and pids).', labelNames: ['limit'], registers: [this.registry] });
  readonly scanDuration = new Histogram({ name: 'nsinspect_scan_duration_seconds', help: 'Time to read the pods\' namespaces for a scrape.', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry] });
  private readonly g = {
    info: this.gauge('nsinspect_ephemeral_container_info', 'Ephemeral containers on this node; always 1.', ['namespace', 'pod', 'container', 'target_container', 'image']),
    start: this.gauge('nsinspect_ephemeral_container_start_time_seconds', 'When the ephemeral container started, in seconds since the epoch.', ['namespace', 'pod', 'container']),
    // 1 yes, 0 no, -1 cannot tell (a root target's dumpable state, an unreadable filter): an alert
    // on == 0 fires only for a debugger the kernel will certainly refuse.
    access: this.gauge('nsinspect_ephemeral_access', 'Whether the ephemeral container can do op (ptrace, read-root) to its target: 1 yes, 0 no, -1 cannot tell (nsinspect access says why).', ['namespace', 'pod', 'container', 'target_container', 'op']),
    shared: this.gauge('nsinspect_ephemeral_namespace_shared', '1 when the ephemeral container shares this namespace type with its target, else 0.', ['namespace', 'pod', 'container', 'target_container', 'type']),
    hostNs: this.gauge('nsinspect_pod_host_namespace', '1 when a container of the pod runs in the host\'s namespace of this type.', ['namespace', 'pod', 'type']),
    mismatch: this.gauge('nsinspect_namespace_mismatch', '1 for each namespace that differs from what the pod spec predicts.', ['namespace', 'pod', 'container', 'type', 'cause']),
    nodeNs: this.gauge('nsinspect_node_namespaces', 'Namespaces on the node, by type.', ['type']),
    nodeProcs: this.gauge('nsinspect_node_processes', 'Processes on the node.', []),
    success: this.gauge('nsinspect_scrape_success', '1 when the last scrape read every pod, else 0.', []),
    kubeUp: this.gauge('nsinspect_kube_sync_up', '1 when the pod watch is connected to the API server.', []),
    build: this.gauge('nsinspect_build_info', 'Build information; always 1.', ['version', 'nodejs']),
    inode: this.gauge('nsinspect_container_namespace_info', 'Namespace inode of each container; only with --metrics-container-inodes.', ['namespace', 'pod', 'container', 'type', 'inode']),
  };

  constructor(private readonly deps: MetricsDeps) {
    this.g.build.set({ version: VERSION, nodejs: process.versions.node }, 1);
    // process_* and nodejs_* (memory, CPU, fds, event-loop lag, GC), read at render time, so as
    // fresh as the render cache: the DaemonSet sets a memory limit, and this is how to watch it.
    collectDefaultMetrics({ register: this.registry });
    // Gauges named like counters, which promtool's lint rejects; nodejs_active_{handles,requests,
    // resources} (by type) carry the same numbers.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(name);
    for (const d of ['allowed', 'denied', 'unauthenticated', 'error'] as DecisionKind[]) this.authz.inc({ decision: d }, 0);
    for (const [limit, v] of Object.entries(deps.execLimits ?? {})) this.execLimit.set({ limit }, v);
  }

  private gauge(name: string, help: string, labelNames: string[]): Gauge {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  countDecision = (d: DecisionKind): void => {
    this.authz.inc({ decision: d });
  };

  countExec = (mode: string, result: string): void => {
    this.execSessions.inc({ mode, result });
  };

  /** Renders done so far (cache misses). */
  renders = 0;
  private cached?: { at: number; text: Promise<string> };

  /**
   * The text format, at most cacheMs old. Concurrent scrapes share the render in flight, and one
   * that fails is not kept.
   */
  render(): Promise<string> {
    const now = performance.now();
    if (this.cached && now - this.cached.at < (this.deps.cacheMs ?? 0)) return this.cached.text;
    const text = this.renderNow();
    const entry = { at: now, text };
    this.cached = entry;
    text.catch(() => {
      if (this.cached === entry) this.cached = undefined;
    });
    return text;
  }

  /** Recomputes every gauge from the last known pods and the kernel, then renders the text format. */
  private async renderNow(): Promise<string> {
    this.renders++;
    this.refresh();
    return this.registry.metrics();
  }

  private refresh(): void {
    const { pods, inspector } = this.deps;
    for (const k of ['info', 'start', 'shared', 'hostNs', 'mismatch', 'nodeNs', 'inode'] as const) this.g[k].reset();
    this.g.kubeUp.set(this.deps.kubeUp?.() ? 1 : 0);
    this.execActive.set(this.deps.execActive?.() ?? 0);
    const counts = this.deps.nodeCounts();
    if (counts) {
      this.g.nodeProcs.set(counts.processes);
      for (const [t, n] of Object.entries(counts.namespaces)) this.g.nodeNs.set({ type: t }, n);
    }
    if (!pods) {
      this.g.success.set(1);
      return;
    }
    const end = this.scanDuration.startTimer();
    let ok = true;
    for (const pod of pods.list()) {
      let v: PodView;
      try {
        v = inspector.pod(pod);
      } catch {
        ok = false;
        continue;
      }
      this.podMetrics(v);
    }
    end();
    this.g.success.set(ok ? 1 : 0);
  }

  private podMetrics(v: PodView): void {
    // The inode family names pods too: asking for it is asking for pod labels.
    if (!this.deps.podLabels && !this.deps.containerInodes) return;
    const base = { namespace: v.pod.namespace, pod: v.pod.name };
    const host = hostNamespaces();
    for (const c of v.containers) {
      if (c.kind === 'ephemeral') {
        this.g.info.set({ ...base, container: c.name, target_container: c.target ?? '', image: c.image ?? '' }, 1);
        if (c.startedAt) this.g.start.set({ ...base, container: c.name }, Date.parse(c.startedAt) / 1000);
        if (c.access) {
          const value = (v: string): number => (v === 'yes' ? 1 : v === 'no' ? 0 : -1);
          const labels = { ...base, container: c.name, target_container: c.access.target };
          this.g.access.set({ ...labels, op: 'ptrace' }, value(c.access.ptrace));
          this.g.access.set({ ...labels, op: 'read-root' }, value(c.access.readRoot));
        }
        const target = v.containers.find((x) => x.name === c.target && x.kind !== 'sandbox');
        if (target && c.pid !== undefined && target.pid !== undefined) {
          for (const [type, inode] of Object.entries(c.namespaces)) {
            this.g.shared.set({ ...base, container: c.name, target_container: target.name, type }, inode === target.namespaces[type as NsType] ? 1 : 0);
          }
        }
      }
      if (this.deps.containerInodes) {
        for (const [type, inode] of Object.entries(c.namespaces)) this.g.inode.set({ ...base, container: c.name, type, inode: String(inode) }, 1);
      }
    }
    for (const type of HOST_SIGNAL_TYPES) {
      const inHost = v.containers.some((c) => c.namespaces[type] !== undefined && c.namespaces[type] === host[type]);
      if (inHost) this.g.hostNs.set({ ...base, type }, 1);
    }
    for (const m of v.mismatches) this.g.mismatch.set({ ...base, container: m.container, type: m.type, cause: m.cause }, 1);
  }
}
