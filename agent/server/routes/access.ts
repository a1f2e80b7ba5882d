// GET /v1/pods/:namespace/:pod/access: what a pod's debugger container can do to its target (needs pods/exec, like ps).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PodDirectory } from '../../model/pod.js';
import type { PodView } from '../../inspect/pod-inspector.js';
import type { Engine } from '../../inspect/engine.js';
import type { PodAccessJSON } from '../../protocol/access.js';
import type { PodSecurity } from '../../model/access.js';
import { DiffQuery, PodParams } from '../schemas.js';
import { podRequirer } from './pods.js';

export async function accessRoutes(app: FastifyInstance, deps: { engine: Engine; view: PodView; pods: PodDirectory | null; nodeName: string; podSecurity?: (namespace: string) => Promise<PodSecurity> }): Promise<void> {
  const requirePod = podRequirer(deps.pods, deps.nodeName);
  // Credentials, capabilities and the security profile of processes: as sensitive as their command lines.
  const execPod = (req: FastifyRequest) => {
    const p = req.params as PodParams;
    return { verb: 'create', resource: 'pods', subresource: 'exec', namespace: p.namespace, name: p.pod };
  };
  app.get<{ Params: PodParams; Querystring: DiffQuery }>(
    '/pods/:namespace/:pod/access',
    { schema: { params: PodParams, querystring: DiffQuery }, config: { summary: 'What the debugger container can do to its target: credentials, capabilities, security profile.', access: execPod } },
    async (req): Promise<PodAccessJSON> => {
      const pod = requirePod(req.params.namespace, req.params.pod);
      // The diff resolves the target as diff does (the debugger's target, else the only app container) and validates both names.
      const d = deps.view.diff(pod, req.query.debugger, req.query.target);
      const byName = (name: string) => deps.view.running(pod, pod.containers.find((c) => c.name === name) as (typeof pod.containers)[number]);
      // The namespace's Pod Security level judges the fixes (kubectl debug adds an ephemeral container, which admission checks).
      const a = deps.engine.access(byName(d.targetContainer), byName(d.debuggerContainer), await deps.podSecurity?.(pod.namespace));
      return {
        pod: d.pod,
        targetContainer: d.targetContainer,
        debuggerContainer: d.debuggerContainer,
        ...a,
        target: { ...a.target, ref: d.target.ref },
        debugger: { ...a.debugger, ref: d.debugger.ref },
      };
    },
  );
}
