// GET /v1/pods/:namespace/:pod/access: what a pod's debugger container can do to its target (needs pods/exec, like ps).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PodDirectory } from '../../model/pod.js';
import type { PodInspector } from '../../inspect/pod-inspector.js';
import { type PodAccessJSON, podAccessJSON } from '../../protocol/access.js';
import type { PodSecurity } from '../../model/access.js';
import { DiffQuery, PodParams } from '../schemas.js';
import { podRequirer } from './pods.js';
import { execPod } from '../permissions.js';

export async function accessRoutes(app: FastifyInstance, deps: { inspector: PodInspector; pods: PodDirectory | null; nodeName: string; podSecurity?: (namespace: string) => Promise<PodSecurity> }): Promise<void> {
  const requirePod = podRequirer(deps.pods, deps.nodeName);
  // Credentials, capabilities and the security profile of processes: as sensitive as their command lines.
  const execPodOf = (req: FastifyRequest) => {
    const p = req.params as PodParams;
    return execPod(p.namespace, p.pod);
  };
  app.get<{ Params: PodParams; Querystring: DiffQuery }>(
    '/pods/:namespace/:pod/access',
    { schema: { params: PodParams, querystring: DiffQuery }, config: { summary: 'What the debugger container can do to its target: credentials, capabilities, security profile.', access: execPodOf } },
    async (req): Promise<PodAccessJSON> => {
      const pod = requirePod(req.params.namespace, req.params.pod);
      // The target is picked as diff picks it; the namespace's Pod Security level judges the fixes
      // (kubectl debug adds an ephemeral container, which admission checks).
      return podAccessJSON(deps.inspector.access(pod, req.query.debugger, req.query.target, await deps.podSecurity?.(pod.namespace)));
    },
  );
}
