// Owns the HTTP fuzz's stand-in API server: the pods of one node, and users with roles (TokenReview, SubjectAccessReview).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Tokens and what each may do: the fuzzer's requests land on every authorization outcome. */
export const FUZZ_USERS: Record<string, { username: string; allow: (a: Record<string, string | undefined>) => boolean }> = {
  'fuzz-admin': { username: 'admin', allow: () => true },
  'fuzz-viewer': { username: 'viewer', allow: (a) => a.resource === 'pods' && a.verb === 'get' },
  'fuzz-debugger': { username: 'debugger', allow: (a) => a.resource === 'pods' },
  'fuzz-nobody': { username: 'nobody', allow: () => false },
};

export interface FuzzKube {
  url: string;
  counts: { tokenReviews: number; accessReviews: number; other: number };
  close(): Promise<void>;
}

const json = (res: ServerResponse, code: number, obj: unknown): void => {
  const s = JSON.stringify(obj);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s) });
  res.end(s);
};

function readJson(req: IncomingMessage): Promise<any> {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (d: Buffer) => (s += d.toString()));
    req.on('end', () => {
      try {
        resolve(JSON.parse(s || '{}'));
      } catch {
        resolve({});
      }
    });
  });
}

/** Plain HTTP on 127.0.0.1, for a kubeconfig with insecure-skip-tls-verify (see agent-kube.ts). */
export async function startFuzzKube(pods: object[]): Promise<FuzzKube> {
  const counts = { tokenReviews: 0, accessReviews: 0, other: 0 };
  const watches = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && u.pathname === '/api/v1/pods') {
      if (u.searchParams.get('watch') === 'true' || u.searchParams.get('watch') === '1') {
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        res.flushHeaders();
        watches.add(res);
        res.on('close', () => watches.delete(res));
        return;
      }
      return json(res, 200, { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: String(pods.length + 1) }, items: pods });
    }
    if (req.method === 'POST' && u.pathname.endsWith('/tokenreviews')) {
      counts.tokenReviews++;
      void readJson(req).then((b) => {
        const user = FUZZ_USERS[b?.spec?.token];
        json(res, 201, { ...b, status: user ? { authenticated: true, user: { username: user.username, groups: ['system:authenticated'] } } : { authenticated: false } });
      });
      return;
    }
    if (req.method === 'POST' && u.pathname.endsWith('/subjectaccessreviews')) {
      counts.accessReviews++;
      void readJson(req).then((b) => {
        const user = Object.values(FUZZ_USERS).find((x) => x.username === b?.spec?.user);
        json(res, 201, { ...b, status: { allowed: user?.allow(b?.spec?.resourceAttributes ?? {}) === true } });
      });
      return;
    }
    counts.other++;
    json(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const w of watches) w.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
