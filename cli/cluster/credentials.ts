// The kubeconfig user's credentials for the small reader: a token, a token file, a client certificate, or an exec plugin's ExecCredential.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ExecConfig, Target } from './kubeconfig.js';

export interface Credentials {
  token?: string;
  cert?: Buffer;
  key?: Buffer;
}

/** What a plugin prints: an ExecCredential whose status holds a token or a client certificate. */
interface ExecCredential {
  apiVersion?: string;
  kind?: string;
  status?: { token?: string; clientCertificateData?: string; clientKeyData?: string };
}

/** The token or certificate the API server is sent: the kubeconfig's own, else the exec plugin's (token first, as client-node). */
export async function credentialsOf(t: Target): Promise<Credentials> {
  const c: Credentials = {};
  if (t.cert) c.cert = t.cert;
  if (t.key) c.key = t.key;
  if (t.token) c.token = t.token;
  else if (t.tokenFile) c.token = readFileSync(t.tokenFile, 'utf8').trim();
  if (c.token === undefined && t.exec) {
    const s = (await runPlugin(t.exec)).status ?? {};
    if (s.token) c.token = s.token;
    if (s.clientCertificateData && s.clientKeyData) {
      c.cert = Buffer.from(s.clientCertificateData);
      c.key = Buffer.from(s.clientKeyData);
    }
  }
  return c;
}

/**
 * Runs the plugin as kubectl does (client.authentication.k8s.io): its env on top of ours,
 * KUBERNETES_EXEC_INFO describing the request, stdin and stderr the user's (it may prompt), an
 * ExecCredential on stdout. The plugin is the user's own program from their kubeconfig.
 */
function runPlugin(e: ExecConfig): Promise<ExecCredential> {
  const interactive = e.interactiveMode !== 'Never' && process.stdin.isTTY === true;
  const info = { apiVersion: e.apiVersion, kind: 'ExecCredential', spec: { interactive, ...(e.provideClusterInfo ? { cluster: clusterInfo(e.cluster) } : {}) } };
  const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: JSON.stringify(info) };
  for (const x of e.env) env[x.name] = x.value;
  return new Promise((resolve, reject) => {
    const kid = spawn(e.command, e.args, { env, stdio: [interactive ? 'inherit' : 'ignore', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    kid.stdout.on('data', (b: Buffer) => out.push(b));
    kid.on('error', (err) => reject(new Error(`running the exec plugin ${e.command}: ${err.message}`)));
    kid.on('close', (code, signal) => {
      if (code !== 0) return reject(new Error(`the exec plugin ${e.command} failed (${signal ?? `exit ${code}`})`));
      try {
        const cred = JSON.parse(Buffer.concat(out).toString('utf8')) as ExecCredential;
        if (cred?.kind !== 'ExecCredential') throw new Error('not an ExecCredential');
        resolve(cred);
      } catch (err) {
        reject(new Error(`the exec plugin ${e.command} printed no ExecCredential: ${(err as Error).message}`));
      }
    });
  });
}

/** The Cluster object of KUBERNETES_EXEC_INFO, from the kubeconfig's cluster entry. */
function clusterInfo(c: Record<string, unknown>): Record<string, unknown> {
  const ext = (c.extensions as Array<{ name?: string; extension?: unknown }> | undefined)?.find((x) => x?.name === 'client.authentication.k8s.io/exec')?.extension;
  return {
    server: c.server,
    ...(c['certificate-authority-data'] ? { 'certificate-authority-data': c['certificate-authority-data'] } : {}),
    ...(c['insecure-skip-tls-verify'] === true ? { 'insecure-skip-tls-verify': true } : {}),
    ...(ext !== undefined ? { config: ext } : {}),
  };
}
