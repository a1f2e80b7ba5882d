// Exec routes: run an argv in a pod container's (or a container's) namespaces, one-shot.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Requirement, describeAccess } from '../../model/auth.js';
import { NS_TYPES, type NsType } from '../../model/types.js';
import type { PodDirectory } from '../../model/pod.js';
import type { Engine } from '../../inspect/engine.js';
import type { Subject } from '../../model/answers.js';
import type { PodInspector } from '../../inspect/pod-inspector.js';
import type { ExecService } from '../../exec/service.js';
import { COMMAND_MAX_ARGS, checkCommand, parseSelection } from '../../exec/argv.js';
import { ContainerParams, PodContainerParams, literal, strictObject } from '../schemas.js';
import { EXEC_LIMITS } from '../../protocol/protocol.js';
import { execPod, nodeProxy } from '../permissions.js';

export const ExecBody = strictObject(
  {
    command: { type: 'array', items: { type: 'string', maxLength: 16384 }, minItems: 1, maxItems: COMMAND_MAX_ARGS },
    namespaces: { anyOf: [literal('tools'), literal('all'), { type: 'array', items: { anyOf: NS_TYPES.map(literal) }, minItems: 1, maxItems: 8 }] },
    timeoutSeconds: { type: 'integer', minimum: 1, maximum: EXEC_LIMITS.maxTimeoutSeconds },
    stdin: { type: 'string', maxLength: EXEC_LIMITS.maxStdinChars },
  },
  ['command'],
);
interface ExecBody {
  command: string[];
  namespaces?: 'tools' | 'all' | NsType[];
  timeoutSeconds?: number;
  stdin?: string;
}

export interface ExecRouteDeps {
  engine: Engine;
  inspector: PodInspector;
  pods: PodDirectory | null;
  exec: ExecService;
  nodeName: string;
  requirePod: (namespace: string, name: string) => import('../../model/pod.js').PodInfo;
}

const NODE_LEVEL_WHY = "nsinspect exec runs with the node's privileges (root on the node), so it needs the kubelet's own permission for /exec";
const NODE_LEVEL_HINT = 'to run a command as the container itself, use kubectl exec; to debug it, kubectl debug --target; node admins are bound to the nsinspect-node-admin ClusterRole';

/**
 * Who may exec or attach. Every nsenter-based session runs as root in the host's user namespace,
 * with the agent's capabilities: a node-level action, `create nodes/proxy` on this node, as the
 * kubelet authorizes /exec and /run. A pod-addressed one also needs `create pods/exec` on that
 * pod, so the audit names both. Checked in this order: a pod-level user learns why it is refused.
 */
export function execAccess(nodeName: string, pod?: { namespace: string; name: string }): Requirement[] {
  const node: Requirement = { attrs: nodeProxy('create', nodeName), why: NODE_LEVEL_WHY, hint: NODE_LEVEL_HINT };
  return pod ? [node, { attrs: execPod(pod.namespace, pod.name) }] : [node];
}

/** The permissions this route required (checked unless --auth none), for the session's audit lines. */
export function permissionsOf(req: FastifyRequest): string[] {
  const declared = req.routeOptions.config.access?.(req);
  if (!declared) return [];
  return (Array.isArray(declared) ? declared.map((r) => r.attrs) : [declared]).map(describeAccess);
}

/** The running container a pod route names, and how the audit line names it: 404 or 409 otherwise. */
export function podContainerSubject(deps: ExecRouteDeps, p: PodContainerParams): { subject: Subject; target: string } {
  const pod = deps.requirePod(p.namespace, p.pod);
  const c = deps.inspector.container(pod, p.container);
  return { subject: deps.inspector.running(pod, c), target: `${pod.namespace}/${pod.name}/${c.name}` };
}

export async function execRoutes(app: FastifyInstance, deps: ExecRouteDeps): Promise<void> {
  const run = (req: FastifyRequest, reply: FastifyReply, subject: Subject, target: string, body: ExecBody) => {
    const ac = new AbortController();
    // A client that goes away before its answer takes its process group with it.
    reply.raw.on('close', () => {
      if (!reply.raw.writableEnded) ac.abort();
    });
    return deps.exec.exec(
      { subject, target, permissions: permissionsOf(req), command: checkCommand(body.command), namespaces: parseSelection(body.namespaces), user: req.user ?? { username: 'unknown', groups: [] }, ...(body.timeoutSeconds ? { timeoutSeconds: body.timeoutSeconds } : {}), ...(body.stdin !== undefined ? { stdin: body.stdin } : {}) },
      ac.signal,
    );
  };

  app.post<{ Params: PodContainerParams; Body: ExecBody }>(
    '/pods/:namespace/:pod/containers/:container/exec',
    {
      schema: { params: PodContainerParams, body: ExecBody },
      config: { summary: "Runs a command in a pod container's namespaces, one-shot, as root on the node.", access: (req) => { const p = req.params as PodContainerParams; return execAccess(deps.nodeName, { namespace: p.namespace, name: p.pod }); } },
    },
    async (req, reply) => {
      const { subject, target } = podContainerSubject(deps, req.params);
      return run(req, reply, subject, target, req.body);
    },
  );

  // Addressed by container ID: node-level only, there is no pod to name.
  app.post<{ Params: ContainerParams; Body: ExecBody }>(
    '/containers/:id/exec',
    { schema: { params: ContainerParams, body: ExecBody }, config: { summary: "Runs a command in a container's namespaces, one-shot, as root on the node.", access: () => execAccess(deps.nodeName) } },
    async (req, reply) => {
      const s = deps.engine.containerSubject(req.params.id);
      return run(req, reply, s, `container/${s.containerID}`, req.body);
    },
  );
}
