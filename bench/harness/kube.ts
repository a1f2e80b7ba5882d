// Owns the benchmarks' Kubernetes: the test suite's fake API server (TLS, TokenReview, SubjectAccessReview) holding lab pods, with the benchmarks' users.
import type { DemoPod } from '../../lab/pod.js';
import { type FakeApiServer, type PodJson, makePod, startFakeApiServer } from '../../test/fake-apiserver/index.js';

export type { FakeApiServer } from '../../test/fake-apiserver/index.js';
export const NODE_NAME = 'bench-node';
export const POD_NAMESPACE = 'bench';
/** The token the benchmark's clients send: allowed everything. The agent's own token is the server's default. */
export const CLIENT_TOKEN = 'bench-client-token';
/** A token whose user every SubjectAccessReview denies: the soak's intended 403s. */
export const DENIED_TOKEN = 'bench-denied-token';
/** The fuzz's tokens, one per authorization outcome: everything, get pods, any verb on pods, nothing. */
export const FUZZ_TOKENS = ['fuzz-admin', 'fuzz-viewer', 'fuzz-debugger', 'fuzz-nobody'];

/** The pod the API server would hold for a lab demo pod: app container, two ephemeral debuggers, real containerIDs. */
export function podJson(i: number, p: DemoPod): PodJson {
  const pod = makePod({
    name: `pod-${i}`, namespace: POD_NAMESPACE, nodeName: NODE_NAME, containers: ['app'],
    ephemeralContainers: [{ name: 'debugger', targetContainerName: 'app' }, { name: 'debugger-notarget' }],
  });
  pod.metadata.uid = p.uid;
  const ids: Record<string, string> = { app: p.app.id, debugger: p.debugger.id, 'debugger-notarget': p.debuggerNoTarget.id };
  for (const s of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])]) {
    const id = ids[s.name];
    if (id) s.containerID = `containerd://${id}`;
  }
  return pod;
}

/** The fake API server with the benchmarks' users and these pods; closed at the caller's clean-up. */
export async function benchApiServer(pods: DemoPod[]): Promise<FakeApiServer> {
  const srv = await startFakeApiServer();
  const user = (token: string, username: string): void => srv.auth.addUser(token, { username, uid: `${username}-uid`, groups: ['system:authenticated'] });
  user(CLIENT_TOKEN, 'bench-user');
  user(DENIED_TOKEN, 'bench-denied');
  for (const t of FUZZ_TOKENS) user(t, t.slice('fuzz-'.length));
  for (const u of ['bench-user', 'admin']) {
    srv.auth.allow({ user: u, verb: '*', resource: '*', subresource: '*' });
    srv.auth.allow({ user: u, verb: '*', nonResourceURLs: ['*'] });
  }
  srv.auth.allow({ user: 'viewer', verb: 'get', resource: 'pods' });
  srv.auth.allow({ user: 'debugger', verb: '*', resource: 'pods', subresource: '*' });
  for (const [i, p] of pods.entries()) srv.pods.add(podJson(i, p));
  return srv;
}

/** The agent's requests to the API server so far: after warm-up, reviews should stop growing (the caches answer). */
export function apiCounts(srv: FakeApiServer): Record<string, number> {
  const c = { list: 0, watch: 0, tokenReviews: 0, accessReviews: 0, other: 0 };
  for (const r of srv.requests) {
    if (r.path === '/api/v1/pods') c[r.verb === 'WATCH' ? 'watch' : 'list']++;
    else if (r.path.endsWith('/tokenreviews')) c.tokenReviews++;
    else if (r.path.endsWith('/subjectaccessreviews')) c.accessReviews++;
    else c.other++;
  }
  return c;
}
