// Pod routes: a pod's containers and namespaces, the debugger diff, and a container's processes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NsinspectError } from '../../model/errors.js';
import type { PodDirectory, PodInfo } from '../../model/pod.js';
import type { PodInspector } from '../../inspect/pod-inspector.js';
import type { Engine } from '../../inspect/engine.js';
import type { PodSecurity } from '../../model/access.js';
import { DiffQuery, PodContainerParams, PodParams } from '../schemas.js';
import { podDiffJSON, podJSON } from '../../protocol/pod.js';
import { psJSON } from '../../protocol/answers.js';
import { execPod, getPod } from '../permissions.js';

export interface PodRouteDeps {
  engine: Engine;
  inspector: PodInspector;
  pods: PodDirectory | null;
  nodeName: string;
  /** The namespace's Pod Security level, which judges the diff's access fixes. */
  podSecurity?: (namespace: string) => Promise<PodSecurity>;
}

/** The pod from the cache, or 503 (off, not synced) / 404 (not on this node). */
export function podRequirer(pods: PodDirectory | null, nodeName: string): (namespace: string, name: string) => PodInfo {
  return (namespace, name) => {
    if (!pods) throw new NsinspectError('UNAVAILABLE', 'pod endpoints are off: the agent runs without a Kubernetes config');
    if (!pods.synced()) throw new NsinspectError('UNAVAILABLE', 'the agent has not synced pods with the API server yet; try again shortly');
    const pod = pods.get(namespace, name);
    if (!pod) {
      throw new NsinspectError('NOT_FOUND', `pod ${namespace}/${name} is not on node ${nodeName}`, { hint: 'check the pod name, and that it is scheduled on this node' });
    }
    return pod;
  };
}

/**
 * The pod inspector hands out one answer object per pod snapshot (about a second): its JSON is
 * encoded once and the bytes reused, which a burst of identical requests would otherwise pay each time.
 */
function encodedOnce<T extends object>(encode: (value: T) => unknown): (reply: FastifyReply, value: T) => FastifyReply {
  const cache = new WeakMap<T, string>();
  return (reply, value) => {
    let body = cache.get(value);
    if (body === undefined) {
      body = JSON.stringify(encode(value));
      cache.set(value, body);
    }
    return reply.type('application/json; charset=utf-8').send(body);
  };
}

export async function podRoutes(app: FastifyInstance, deps: PodRouteDeps): Promise<void> {
  const { pods, inspector, engine, nodeName } = deps;
  const requirePod = podRequirer(pods, nodeName);
  const params = (req: FastifyRequest): { namespace: string; pod: string } => req.params as { namespace: string; pod: string };
  // Reading namespaces is reading the pod; command lines of processes can hold secrets, so ps needs exec rights.
  const getPodOf = (req: FastifyRequest) => getPod(params(req).namespace, params(req).pod);
  const execPodOf = (req: FastifyRequest) => execPod(params(req).namespace, params(req).pod);
  const sendPod = encodedOnce(podJSON);
  const sendDiff = encodedOnce(podDiffJSON);

  app.get<{ Params: PodParams }>('/pods/:namespace/:pod', { schema: { params: PodParams }, config: { summary: "A pod's containers, their namespaces, which they share, and where they differ from the spec.", access: getPodOf } }, async (req, reply) =>
    sendPod(reply, inspector.pod(requirePod(req.params.namespace, req.params.pod))),
  );

  app.get<{ Params: PodParams; Querystring: DiffQuery }>(
    '/pods/:namespace/:pod/diff',
    { schema: { params: PodParams, querystring: DiffQuery }, config: { summary: 'Which namespaces a debugger container shares with its target, with findings.', access: getPodOf } },
    async (req, reply) => {
      const pod = requirePod(req.params.namespace, req.params.pod);
      return sendDiff(reply, inspector.diff(pod, req.query.debugger, req.query.target, await deps.podSecurity?.(pod.namespace)));
    },
  );

  app.get<{ Params: PodContainerParams }>(
    '/pods/:namespace/:pod/containers/:container/processes',
    { schema: { params: PodContainerParams }, config: { summary: "A pod container's processes (ps), with host and namespaced PIDs.", access: execPodOf } },
    async (req) => {
      const pod = requirePod(req.params.namespace, req.params.pod);
      return psJSON(engine.ps(inspector.running(pod, inspector.container(pod, req.params.container))));
    },
  );
}
