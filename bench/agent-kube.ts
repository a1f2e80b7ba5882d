// Owns the agent benchmark's stand-in API server: one node's pods (list + watch), TokenReview and SubjectAccessReview that allow, and its kubeconfig.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DemoPod } from '../lab/pod.js';

export const NODE_NAME = 'bench-node';
export const POD_NAMESPACE = 'bench';
/** The token the benchmark's clients send; the agent's own token is another one. */
export const CLIENT_TOKEN = 'bench-client-token';

export interface FakeApi {
  url: string;
  /** Requests the agent made: after warm-up, reviews should stop growing (the caches answer). */
  counts: { list: number; watch: number; tokenReviews: number; accessReviews: number; other: number };
  /** Pod churn (the soak): adds or replaces a pod, with an ADDED/MODIFIED event on open watches. */
  put(pod: object): void;
  /** Deletes a pod by name, with a DELETED event. */
  remove(name: string): void;
  close(): Promise<void>;
}

/** A token whose user every SubjectAccessReview denies: the soak's intended 403s. */
export const DENIED_TOKEN = 'bench-denied-token';

const running = (startedAt: string) => ({ running: { startedAt } });

/** The V1Pod the API server would hold for a lab demo pod: app container, two ephemeral debuggers. */
export function v1Pod(i: number, p: DemoPod): object {
  const at = new Date().toISOString();
  const status = (name: string, id: string) => ({
    name, containerID: `containerd://${id}`, image: 'busybox', imageID: 'busybox', ready: true, restartCount: 0, state: running(at),
  });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: POD_NAMESPACE, name: `pod-${i}`, uid: p.uid, resourceVersion: String(i + 1) },
    spec: {
      nodeName: NODE_NAME,
      containers: [{ name: 'app', image: 'busybox' }],
      ephemeralContainers: [
        { name: 'debugger', image: 'busybox', targetContainerName: 'app' },
        { name: 'debugger-notarget', image: 'busybox' },
      ],
    },
    status: {
      phase: 'Running',
      containerStatuses: [status('app', p.app.id)],
      ephemeralContainerStatuses: [status('debugger', p.debugger.id), status('debugger-notarget', p.debuggerNoTarget.id)],
    },
  };
}

function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>);
      } catch (e) {
        reject(e as Error);
      }
    });
    req.on('error', reject);
  });
}

function json(res: ServerResponse, code: number, obj: unknown): void {
  const s = JSON.stringify(obj);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s) });
  res.end(s);
}

/** Plain HTTP on 127.0.0.1: the agent's client-node informer and reviewer talk to it as to a real API server. */
export async function startFakeApi(pods: object[]): Promise<FakeApi> {
  const counts = { list: 0, watch: 0, tokenReviews: 0, accessReviews: 0, other: 0 };
  const watches = new Set<ServerResponse>();
  let rv = pods.length + 1;
  const nameOf = (p: object): string => (p as { metadata: { name: string } }).metadata.name;
  const event = (type: string, pod: object): void => {
    (pod as { metadata: { resourceVersion: string } }).metadata.resourceVersion = String(++rv);
    for (const w of watches) w.write(JSON.stringify({ type, object: pod }) + '\n');
  };
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://localhost');
    const path = u.pathname;
    if (req.method === 'GET' && path === '/api/v1/pods') {
      if (u.searchParams.get('watch') === 'true' || u.searchParams.get('watch') === '1') {
        // A watch with no events: the pods do not change during the benchmark.
        counts.watch++;
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        res.flushHeaders();
        watches.add(res);
        res.on('close', () => watches.delete(res));
        return;
      }
      counts.list++;
      return json(res, 200, { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: String(rv) }, items: pods });
    }
    if (req.method === 'POST' && (path.endsWith('/tokenreviews') || path.endsWith('/subjectaccessreviews'))) {
      const token = path.endsWith('/tokenreviews');
      if (token) counts.tokenReviews++;
      else counts.accessReviews++;
      void body(req).then(
        (b) => {
          const spec = b.spec as { token?: string; user?: string } | undefined;
          const denied = token ? spec?.token === DENIED_TOKEN : spec?.user === 'bench-denied';
          json(res, 201, {
            ...b,
            status: token
              ? { authenticated: true, user: { username: denied ? 'bench-denied' : 'bench-user', uid: 'bench-uid', groups: ['system:authenticated', 'bench'] } }
              : denied ? { allowed: false, reason: 'the soak denies this user' } : { allowed: true, reason: 'the benchmark allows everything' },
          });
        },
        () => json(res, 400, { kind: 'Status', status: 'Failure', code: 400 }),
      );
      return;
    }
    counts.other++;
    json(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${req.method} ${path}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    put: (pod) => {
      const i = pods.findIndex((p) => nameOf(p) === nameOf(pod));
      if (i >= 0) pods[i] = pod;
      else pods.push(pod);
      event(i >= 0 ? 'MODIFIED' : 'ADDED', pod);
    },
    remove: (name) => {
      const i = pods.findIndex((p) => nameOf(p) === name);
      if (i < 0) return;
      const [gone] = pods.splice(i, 1);
      event('DELETED', gone);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const w of watches) w.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A kubeconfig for the agent: the fake API server, plain HTTP (client-node allows it only with skip-TLS-verify), a bearer token. */
export function kubeconfig(apiUrl: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'bench', cluster: { server: apiUrl, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'agent', user: { token: 'bench-agent-token' } }],
    contexts: [{ name: 'bench', context: { cluster: 'bench', user: 'agent' } }],
    'current-context': 'bench',
  });
}
