// Where procfs is mounted: chosen once at start-up by whoever builds the engine, then passed down.

/** The host's procfs as the agent sees it (it runs with hostPID) and as the CLI sees it on the node. */
export const HOST_PROC = '/proc';

/**
 * The procfs root a user named with NSINSPECT_PROC (a copy of the host's mounted elsewhere, a
 * fixture tree), else /proc. Read when called (by the engine, the container index and the node
 * scanner at construction), never at import, so a test or a second engine can pick another root.
 */
export function procRootFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.NSINSPECT_PROC || HOST_PROC;
}
