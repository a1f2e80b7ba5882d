// Node-level routes: the node's containers, one container, its processes, and PID reverse lookup.
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../inspect/engine.js';
import type { Subject } from '../../model/answers.js';
import { runningContainers } from '../../inspect/engine.js';
import type { PodDirectory } from '../../model/pod.js';
import type { ResourceAttributes } from '../../model/auth.js';
import { ContainerParams, ProcessParams } from '../schemas.js';
import { type ContainerJSON, containerJSON } from '../../protocol/pod.js';
import { psJSON, whoisJSON } from '../../protocol/answers.js';
import { nodeProxy } from '../permissions.js';

export interface NodeRouteDeps {
  engine: Engine;
  pods: PodDirectory | null;
  nodeName: string;
}

export async function nodeRoutes(app: FastifyInstance, deps: NodeRouteDeps): Promise<void> {
  const { engine, pods } = deps;
  // kubelet's rule for node-level reads: get on nodes/proxy for this node.
  const access = (): ResourceAttributes => nodeProxy('get', deps.nodeName);

  // The API's pods name a container better than its record does (they are what kubectl shows).
  const namesOf = (id: string | undefined) => {
    const known = id ? pods?.byContainerID(id) : undefined;
    return known && { podNamespace: known.pod.namespace, podName: known.pod.name, containerName: known.container.name };
  };
  const toJSON = (s: Subject): ContainerJSON => containerJSON(s, namesOf(s.containerID));

  app.get('/containers', { config: { summary: "The node's running containers: runtime, host PID, namespaces, and pod when known.", access } }, async () => ({ items: runningContainers(engine).map(toJSON) }));

  app.get<{ Params: ContainerParams }>('/containers/:id', { schema: { params: ContainerParams }, config: { summary: 'One container, by full ID or a unique prefix of 12 or more hex characters.', access } }, async (req) =>
    toJSON(engine.containerSubject(req.params.id)),
  );

  app.get<{ Params: ContainerParams }>('/containers/:id/processes', { schema: { params: ContainerParams }, config: { summary: "A container's processes (ps), with host and namespaced PIDs.", access } }, async (req) =>
    psJSON(engine.ps(engine.containerSubject(req.params.id))),
  );

  app.get<{ Params: ProcessParams }>('/processes/:pid', { schema: { params: ProcessParams }, config: { summary: 'Which container, pod and namespaces a host PID belongs to (whois).', access } }, async (req) => {
    const s = engine.pidSubject(Number(req.params.pid));
    return whoisJSON(s, namesOf(s.containerID));
  });
}
