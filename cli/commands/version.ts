// `nsinspect version`: the client's version, as `kubectl version --client` prints it.
import type { GlobalOptions } from '../options.js';
import { print } from '../output/format.js';

/**
 * The agent's version is not printed: the agent serves none yet (/healthz answers {status}, /v1
 * carries no build info), and a guess from the DaemonSet's image tag could be wrong.
 */
export async function version(client: string, opts: GlobalOptions): Promise<void> {
  await print({ clientVersion: client }, opts, (d) => `Client Version: ${d.clientVersion}\n`);
}
