// Node-level routes: the node's containers, one container, its processes, and PID reverse lookup.
import type { FastifyInstance } from 'fastify';
import type { Engine, Subject } from '../../inspect/engine.js';
import { runningContainers } from '../../inspect/engine.js';
import type { PodDirectory } from '../../model/pod.js';
import type { ResourceAttributes } from '../../model/auth.js';
import { ContainerParams, ProcessParams } from '../schemas.js';
import type { ContainerJSON } from '../../protocol/pod.js';

export interface NodeRouteDeps {
  engine: Engine;
  pods: PodDirectory | null;
  nodeName: string;
}

export async function nodeRoutes(app: FastifyInstance, deps: NodeRouteDeps): Promise<void> {
  const { engine, pods } = deps;
  // kubelet's rule for node-level reads: get on nodes/proxy for this node.
  const access = (): ResourceAttributes => ({ verb: 'get', resource: 'nodes', subresource: 'proxy', name: deps.nodeName });

  const toJSON = (s: Subject): ContainerJSON => {
    const j: ContainerJSON = { id: s.containerID as string, runtime: s.runtime as string, pid: s.pid, namespaces: s.namespaces };
    if (s.podUID) j.podUID = s.podUID;
    const known = pods?.byContainerID(s.containerID as string);
    if (known) Object.assign(j, { namespace: known.pod.namespace, pod: known.pod.name, container: known.container.name });
    if (s.unreadable) j.unreadable = s.unreadable;
    return j;
  };

  app.get('/containers', { config: { summary: "The node's running containers: runtime, host PID, namespaces, and pod when known.", access } }, async () => ({ items: runningContainers(engine).map(toJSON) }));

  app.get<{ Params: ContainerParams }>('/containers/:id', { schema: { params: ContainerParams }, config: { summary: 'One container, by full ID or a unique prefix of 12 or more hex characters.', access } }, async (req) =>
    toJSON(engine.containerSubject(req.params.id)),
  );

  app.get<{ Params: ContainerParams }>('/containers/:id/processes', { schema: { params: ContainerParams }, config: { summary: "A container's processes (ps), with host and namespaced PIDs.", access } }, async (req) =>
    engine.ps(engine.containerSubject(req.params.id)),
  );

  app.get<{ Params: ProcessParams }>('/processes/:pid', { schema: { params: ProcessParams }, config: { summary: 'Which container, pod and namespaces a host PID belongs to (whois).', access } }, async (req) => {
    const w = engine.whois(Number(req.params.pid));
    const known = w.containerID ? pods?.byContainerID(w.containerID) : undefined;
    return known ? { ...w, namespace: known.pod.namespace, pod: known.pod.name, container: known.container.name } : w;
  });
}
