// Reads the user's kubeconfig as kubectl does (--kubeconfig, else KUBECONFIG's files merged first-wins, else ~/.kube/config) into the one cluster and user the CLI talks as, without loading @kubernetes/client-node.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';

type Obj = Record<string, unknown>;
interface Named { name: string; dir: string; body: Obj }

/** The merged kubeconfig: kubectl's rules, each entry remembering its file's directory (relative paths are relative to it). */
export interface Kubeconfig {
  files: string[];
  currentContext?: string;
  clusters: Named[];
  users: Named[];
  contexts: Named[];
}

/** What the CLI needs of the current context, when the common fields say it all. */
export interface Target {
  server: string;
  namespace: string;
  userName: string;
  ca?: Buffer;
  insecure: boolean;
  token?: string;
  tokenFile?: string;
  cert?: Buffer;
  key?: Buffer;
  exec?: ExecConfig;
}

/** A user's exec plugin (client.authentication.k8s.io), paths resolved. */
export interface ExecConfig {
  apiVersion: string;
  command: string;
  args: string[];
  env: Array<{ name: string; value: string }>;
  interactiveMode?: string;
  provideClusterInfo: boolean;
  cluster: Obj;
}

/**
 * The files to read: --kubeconfig (must exist), else every file in KUBECONFIG that exists (none
 * existing is an error), else ~/.kube/config. [] means none at all: in-cluster, if anything.
 */
export function kubeconfigFiles(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  if (explicit) return [explicit];
  const files = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (files.length === 0) {
    const home = join(env.HOME ?? homedir(), '.kube', 'config');
    return existsSync(home) ? [home] : [];
  }
  const present = files.filter((f) => existsSync(f));
  if (present.length === 0) throw new Error(`none of the files in KUBECONFIG exists (${files.join(delimiter)})`);
  return present;
}

/** JSON needs no parser to load; YAML loads js-yaml (a few ms) only when the file is YAML. */
async function parse(file: string): Promise<Obj> {
  const text = readFileSync(file, 'utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    const yaml = await import('js-yaml');
    doc = yaml.load(text);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${file} is not a kubeconfig (not a mapping)`);
  return doc as Obj;
}

/**
 * kubectl's merge rules for a list of files: the first file to set current-context wins, and the
 * first cluster, user or context of a name wins.
 */
export async function readKubeconfig(files: string[]): Promise<Kubeconfig> {
  const kc: Kubeconfig = { files, clusters: [], users: [], contexts: [] };
  for (const file of files) {
    const doc = await parse(file);
    const dir = dirname(resolve(file));
    if (!kc.currentContext && typeof doc['current-context'] === 'string' && doc['current-context']) kc.currentContext = doc['current-context'];
    for (const [list, key] of [[kc.clusters, 'cluster'], [kc.users, 'user'], [kc.contexts, 'context']] as const) {
      const entries = doc[`${key}s`];
      if (!Array.isArray(entries)) continue;
      for (const e of entries as Obj[]) {
        if (typeof e?.name !== 'string' || list.some((x) => x.name === e.name)) continue;
        list.push({ name: e.name, dir, body: (e[key] ?? {}) as Obj });
      }
    }
  }
  return kc;
}

export const contextOf = (kc: Kubeconfig, name: string | undefined): Named | undefined => (name === undefined ? undefined : kc.contexts.find((c) => c.name === name));

const CLUSTER_KEYS = new Set(['server', 'certificate-authority', 'certificate-authority-data', 'insecure-skip-tls-verify', 'extensions']);
const USER_KEYS = new Set(['token', 'tokenFile', 'client-certificate', 'client-certificate-data', 'client-key', 'client-key-data', 'exec', 'extensions']);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const abs = (dir: string, p: string): string => (isAbsolute(p) ? p : join(dir, p));
const bytes = (data: unknown, file: unknown, dir: string): Buffer | undefined =>
  str(data) ? Buffer.from(data as string, 'base64') : str(file) ? readFileSync(abs(dir, file as string)) : undefined;

/**
 * The context's cluster and user, when every field they use is one this reader knows (server, CA,
 * insecure-skip-tls-verify, token, tokenFile, client certificate and key, exec plugins); undefined
 * otherwise (auth-provider, basic auth, impersonation, proxy-url, tls-server-name…): client-node
 * then reads the kubeconfig as before.
 */
export function targetOf(kc: Kubeconfig, contextName: string): Target | undefined {
  const ctx = contextOf(kc, contextName)?.body ?? {};
  const cluster = kc.clusters.find((c) => c.name === ctx.cluster);
  const user = kc.users.find((u) => u.name === ctx.user);
  if (!cluster || !str(cluster.body.server)) return undefined;
  if (Object.keys(cluster.body).some((k) => !CLUSTER_KEYS.has(k))) return undefined;
  if (user && Object.keys(user.body).some((k) => !USER_KEYS.has(k))) return undefined;
  const c = cluster.body;
  const u = user?.body ?? {};
  const server = (c.server as string).replace(/\/$/, '');
  if (!/^https?:\/\//.test(server)) return undefined;
  const t: Target = {
    server,
    namespace: str(ctx.namespace) ?? 'default',
    userName: user?.name ?? '',
    insecure: c['insecure-skip-tls-verify'] === true,
  };
  const ca = bytes(c['certificate-authority-data'], c['certificate-authority'], cluster.dir);
  if (ca) t.ca = ca;
  if (str(u.token)) t.token = u.token as string;
  else if (str(u.tokenFile)) t.tokenFile = abs(user!.dir, u.tokenFile as string);
  const cert = bytes(u['client-certificate-data'], u['client-certificate'], user?.dir ?? '');
  const key = bytes(u['client-key-data'], u['client-key'], user?.dir ?? '');
  if (cert) t.cert = cert;
  if (key) t.key = key;
  const e = u.exec as Obj | undefined;
  if (e && typeof e === 'object') {
    const command = str(e.command);
    if (!command || !str(e.apiVersion)) return undefined;
    // kubectl: a command with a path separator is relative to the kubeconfig's directory; a bare name is looked up on PATH.
    t.exec = {
      apiVersion: e.apiVersion as string,
      command: command.includes('/') ? abs(user!.dir, command) : command,
      args: Array.isArray(e.args) ? (e.args as unknown[]).map(String) : [],
      env: Array.isArray(e.env) ? (e.env as Obj[]).map((x) => ({ name: String(x?.name), value: String(x?.value ?? '') })) : [],
      ...(str(e.interactiveMode) ? { interactiveMode: e.interactiveMode as string } : {}),
      provideClusterInfo: e.provideClusterInfo === true,
      cluster: c,
    };
  }
  return t;
}
