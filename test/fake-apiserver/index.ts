// Owns the public test-facing API: startFakeApiServer() wiring TLS, store, auth, hooks and kubeconfig together.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_AUDIENCE, type PolicyRule, type SarRecord, type TokenReviewRecord, type UserInfo } from './auth.js';
import { writeKubeconfigFile, writeServiceAccountFiles, type KubeconfigOptions } from './kubeconfig.js';
import { withEphemeralContainer, type EphemeralContainerJson, type PodJson } from './pods.js';
import type { PortForwardRecord, PortForwardTarget } from './portforward.js';
import { FakeApiHttpServer, type DownMode, type RequestLogEntry, type ServerOptions } from './server.js';
import { getTlsMaterial } from './tls.js';
import { mintToken } from './tokenrequest.js';
import type { DropMode } from './watch.js';

export * from './pods.js';
export type { PolicyRule, SarRecord, TokenReviewRecord, UserInfo, ResourceAttributes, SubjectAccessReviewSpec } from './auth.js';
export { DEFAULT_AUDIENCE } from './auth.js';
export type { DownMode, RequestLogEntry, ServerOptions } from './server.js';
export type { DropMode } from './watch.js';
export { PORTFORWARD_PROTOCOLS, type PortForwardRecord, type PortForwardTarget } from './portforward.js';
export type { KubeconfigOptions } from './kubeconfig.js';
export { statusBody, type StatusJson } from './status.js';
export { rawRequest, rawWatch, type RawOptions, type RawResponse, type RawTarget, type RawWatch } from './raw.js';
export { rawUpgrade, type RawFrame, type RawUpgrade, type RawUpgradeOptions } from './rawws.js';

export interface FakeApiServerOptions extends ServerOptions {
  /** Bearer token written into the default kubeconfig (default "fake-agent-token"). */
  token?: string;
  /** Identity of that token (default system:serviceaccount:nsinspect:nsinspect). */
  identity?: UserInfo;
  /** Default namespace in the kubeconfig context (default "nsinspect"). */
  namespace?: string;
}

export interface FakeApiServer {
  /** e.g. "https://127.0.0.1:43117". */
  url: string;
  port: number;
  caPem: string;
  /** Temp dir owned by this server (kubeconfig lives here); removed by close(). */
  dir: string;
  kubeconfigPath: string;
  /** KubeConfig loaded from kubeconfigPath (the default token). */
  kc: KubeConfig;
  /** The default token (also registered as a user, so it passes TokenReview too). */
  token: string;
  /** Writes another kubeconfig for this server (e.g. with a different token) and returns it loaded. */
  writeKubeconfig(path: string, opts?: KubeconfigOptions): KubeConfig;
  /** Writes in-cluster SA files under `prefix`; use `kc.loadFromCluster(prefix)` with the returned env set. */
  writeServiceAccount(prefix: string, opts?: { token?: string; namespace?: string }): { dir: string; env: Record<string, string> };

  pods: {
    /** Stores a pod (see makePod); fills namespace/uid/creationTimestamp, bumps RV, emits ADDED. Returns the stored copy. */
    add(pod: PodJson): PodJson;
    /** Full replacement (namespace/name from the object) or mutate-a-copy; emits MODIFIED. 404/409 throw. */
    update(pod: PodJson): PodJson;
    update(namespace: string, name: string, mutate: (pod: PodJson) => PodJson | void): PodJson;
    /** Emits DELETED (graceful: MODIFIED with deletionTimestamp first). Throws if absent. */
    delete(namespace: string, name: string, opts?: { graceful?: boolean }): PodJson;
    get(namespace: string, name: string): PodJson | undefined;
    list(): PodJson[];
    /** Simulates `kubectl debug --target`: appends a running ephemeral container to spec and status. */
    addEphemeralContainer(namespace: string, name: string, ec: Partial<EphemeralContainerJson> & { name: string }): PodJson;
    /** Current global resourceVersion. */
    resourceVersion(): number;
  };

  namespaces: {
    /** Makes a namespace exist (or replaces its labels), e.g. { 'pod-security.kubernetes.io/enforce': 'restricted' }. */
    set(name: string, labels?: Record<string, string>): void;
    delete(name: string): boolean;
  };

  auth: {
    /** Token -> identity for both the caller check and TokenReview. */
    addUser(token: string, info: UserInfo): void;
    removeUser(token: string): boolean;
    /** Makes a service account exist for TokenRequest (POST .../serviceaccounts/NAME/token); returns its uid. */
    addServiceAccount(namespace: string, name: string): string;
    /**
     * `kubectl create token NAME -n NAMESPACE --audience …` without HTTP: a JWT-shaped bound token
     * (audiences default the API server's own). Unlike the HTTP path, any lifetime ≥ 1 s is allowed.
     */
    createToken(namespace: string, name: string, opts?: { audiences?: string[]; expirationSeconds?: number }): string;
    /** Adds an allow rule to the policy table used by SubjectAccessReview (and by enforceRbac). */
    allow(rule: PolicyRule): void;
    clearPolicy(): void;
    /** Every TokenReview / SubjectAccessReview answered so far (live arrays). */
    tokenReviews: TokenReviewRecord[];
    subjectAccessReviews: SarRecord[];
  };

  /**
   * pods/portforward (WebSocket, v4.channel.k8s.io framing). A pod port is dialed as soon as a session opens; a port
   * without a mapping behaves like a container port nobody listens on (error-channel message, then close).
   */
  portForward: {
    /** Routes `namespace/pod:port` to a local TCP server (host default 127.0.0.1). */
    set(namespace: string, pod: string, port: number, target: PortForwardTarget): void;
    /** Removes one mapping, all of a pod's (omit port), all of a namespace's (omit pod), or everything (no args). */
    clear(namespace?: string, pod?: string, port?: number): void;
    /** Sessions upgraded so far (total), and sessions whose WebSocket or backend sockets are still open. */
    sessions(): number;
    open(): number;
    /** Resolves when the open-session count satisfies the predicate (or equals n). */
    waitForOpen(n: number | ((open: number) => boolean), timeoutMs?: number): Promise<void>;
    /** Destroys every open session (WebSocket and backend), as an apiserver restart would. Returns how many. */
    drop(): number;
    /** One record per upgraded session (live array). */
    log: PortForwardRecord[];
  };

  /** Closes every open watch: 'destroy' (default) kills the socket mid-stream, 'end' finishes the chunked body cleanly. */
  dropWatches(mode?: DropMode): number;
  /** Forgets event history so watches resuming from an older RV get ERROR 410 Expired; `closeWatches` also sends that to open watches. */
  expireHistory(opts?: { closeWatches?: boolean }): void;
  /** Sends a BOOKMARK (current RV) to every open watch that asked for allowWatchBookmarks. */
  bookmark(): void;
  /** Down: answer 503 (default) or reset every connection; also kills open watches and port-forward sessions. */
  setDown(down: boolean, mode?: DownMode): void;
  /** Delay before every request is handled. */
  setLatency(ms: number): void;
  /** Hold new watch requests (no response headers) until resumeWatches(); lets a test mutate state "between" list and watch. */
  pauseWatches(): void;
  resumeWatches(): void;
  /** Open watch streams right now, and total watch requests served. */
  watchCount(): number;
  watchesStarted(): number;
  /** Resolves when the number of open watches satisfies the predicate (or equals n). */
  waitForWatches(n: number | ((open: number) => boolean), timeoutMs?: number): Promise<void>;
  /** Request log (live array) and counts keyed "VERB /path", e.g. "GET /api/v1/pods", "WATCH /api/v1/pods". */
  requests: RequestLogEntry[];
  requestCounts(): Record<string, number>;
  clearRequests(): void;
  /** Stops listening, destroys every connection, removes the temp dir. Idempotent. */
  close(): Promise<void>;
  closeAll(): Promise<void>;
}

/** Starts a fake API server on 127.0.0.1:<ephemeral> with TLS. Always `t.teardown(() => srv.close())`. */
export async function startFakeApiServer(opts: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const tls = await getTlsMaterial();
  const http = new FakeApiHttpServer(tls, opts);
  const port = await http.listen();
  const url = `https://127.0.0.1:${port}`;
  const token = opts.token ?? 'fake-agent-token';
  const namespace = opts.namespace ?? 'nsinspect';
  http.auth.addUser(token, opts.identity ?? {
    username: `system:serviceaccount:${namespace}:nsinspect`,
    uid: '5b6c1a2e-0000-4000-8000-000000000001',
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  });
  // The agent's own service account exists, so tokens can be minted for it.
  http.auth.serviceAccounts.set(`${namespace}/nsinspect`, '5b6c1a2e-0000-4000-8000-000000000001');
  const dir = mkdtempSync(join(tmpdir(), 'fake-apiserver-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  const writeKubeconfig = (path: string, o: KubeconfigOptions = {}) =>
    writeKubeconfigFile(path, url, tls.caPem, { ...o, token: o.token ?? token, namespace: o.namespace ?? namespace });
  const kc = writeKubeconfig(kubeconfigPath);
  const store = http.store;
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= http.close().finally(() => rmSync(dir, { recursive: true, force: true })));

  return {
    url, port, caPem: tls.caPem, dir, kubeconfigPath, kc, token, writeKubeconfig,
    writeServiceAccount: (prefix, o = {}) => writeServiceAccountFiles(prefix, port, tls.caPem, o.token ?? token, o.namespace ?? namespace),
    pods: {
      add: (pod) => store.add(pod),
      update: ((a: PodJson | string, name?: string, mutate?: (p: PodJson) => PodJson | void) =>
        typeof a === 'string' ? store.update(a, name!, mutate!) : store.update(a)) as FakeApiServer['pods']['update'],
      delete: (ns, name, o) => store.delete(ns, name, o),
      get: (ns, name) => store.get(ns, name),
      list: () => store.list(),
      addEphemeralContainer: (ns, name, ec) => store.update(ns, name, (p) => withEphemeralContainer(p, ec)),
      resourceVersion: () => store.resourceVersion(),
    },
    namespaces: {
      set: (name, labels = {}) => {
        const prev = http.namespaces.get(name);
        http.namespaces.set(name, { uid: prev?.uid ?? randomUUID(), created: prev?.created ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'), labels });
      },
      delete: (name) => http.namespaces.delete(name),
    },
    auth: {
      addUser: (t, info) => http.auth.addUser(t, info),
      removeUser: (t) => http.auth.removeUser(t),
      addServiceAccount: (ns, name) => {
        const key = `${ns}/${name}`;
        if (!http.auth.serviceAccounts.has(key)) http.auth.serviceAccounts.set(key, randomUUID());
        return http.auth.serviceAccounts.get(key) as string;
      },
      createToken: (ns, name, o = {}) => {
        const uid = http.auth.serviceAccounts.get(`${ns}/${name}`);
        if (!uid) throw new Error(`serviceaccounts "${name}" not found in namespace "${ns}": addServiceAccount first`);
        const minted = mintToken(ns, name, uid, o.audiences?.length ? o.audiences : [DEFAULT_AUDIENCE], o.expirationSeconds ?? 3600);
        http.auth.addUser(minted.token, minted.info);
        return minted.token;
      },
      allow: (rule) => http.auth.allow(rule),
      clearPolicy: () => http.auth.clearPolicy(),
      tokenReviews: http.auth.tokenReviews,
      subjectAccessReviews: http.auth.subjectAccessReviews,
    },
    portForward: {
      set: (ns, pod, port, target) => http.portForwards.set(ns, pod, port, target),
      clear: (ns, pod, port) => http.portForwards.clear(ns, pod, port),
      sessions: () => http.portForwards.log.length,
      open: () => http.portForwards.open(),
      waitForOpen: (n, timeoutMs) => http.portForwards.waitFor(typeof n === 'number' ? (c) => c === n : n, timeoutMs),
      drop: () => http.portForwards.drop(),
      log: http.portForwards.log,
    },
    dropWatches: (mode) => http.watches.drop(mode),
    expireHistory: (o = {}) => {
      store.expireHistory();
      if (o.closeWatches) http.watches.expireOpen();
    },
    bookmark: () => http.watches.bookmarkAll(),
    setDown: (down, mode) => http.setDown(down, mode),
    setLatency: (ms) => http.setLatency(ms),
    pauseWatches: () => http.pauseWatches(),
    resumeWatches: () => http.resumeWatches(),
    watchCount: () => http.watches.count(),
    watchesStarted: () => http.watches.started,
    waitForWatches: (n, timeoutMs) => http.watches.waitFor(typeof n === 'number' ? (c) => c === n : n, timeoutMs),
    requests: http.log,
    requestCounts: () => {
      const out: Record<string, number> = {};
      for (const e of http.log) out[`${e.verb} ${e.path}`] = (out[`${e.verb} ${e.path}`] ?? 0) + 1;
      return out;
    },
    clearRequests: () => void http.log.splice(0),
    close,
    closeAll: close,
  };
}
