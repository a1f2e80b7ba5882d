// Docker's own record of a container (config.v2.json under dockerd's data-root): the name `docker run --name` gave it.
import { join } from 'node:path';
import { pidsNamed, readCmdline, readFileSeenBy } from '../procfs/proc.js';
import { procRootFromEnv } from '../procfs/root.js';

/** dockerd's data-root: --data-root, else "data-root" in --config-file (default /etc/docker/daemon.json), else /var/lib/docker. */
export function dockerDataRootOf(argv: readonly string[], readConfig: (path: string) => string | undefined): string {
  const flag = (name: string): string | undefined => {
    for (const [i, arg] of argv.entries()) {
      if (arg === name) return argv[i + 1];
      if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
    }
    return undefined;
  };
  const root = flag('--data-root');
  if (root) return root;
  try {
    const cfg = JSON.parse(readConfig(flag('--config-file') ?? '/etc/docker/daemon.json') ?? '{}');
    if (typeof cfg?.['data-root'] === 'string' && cfg['data-root'] !== '') return cfg['data-root'];
  } catch {
    // a daemon.json dockerd itself would refuse: the default
  }
  return '/var/lib/docker';
}

/** The container's name in config.v2.json ("Name": "/web"), without the slash. */
export function parseDockerName(text: string): string | undefined {
  try {
    const name = JSON.parse(text)?.Name;
    return typeof name === 'string' && name.length > 1 ? name.replace(/^\//, '') : undefined;
  } catch {
    return undefined;
  }
}

/** A Docker container's name, read through each running dockerd's root (a /proc scan: Docker records only). */
export function dockerName(containerID: string, proc = procRootFromEnv()): string | undefined {
  for (const pid of pidsNamed('dockerd', proc)) {
    const argv = readCmdline(pid, proc);
    if (!argv) continue;
    const text = readFileSeenBy(pid, join(dockerDataRootOf(argv, (p) => readFileSeenBy(pid, p, proc)), 'containers', containerID, 'config.v2.json'), proc);
    const name = text === undefined ? undefined : parseDockerName(text);
    if (name) return name;
  }
  return undefined;
}
