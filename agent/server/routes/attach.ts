// Attach routes: GET …/attach upgrades to a WebSocket session (node-pty or pipes) in a container's namespaces.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { NsinspectError } from '../../model/errors.js';
import { COMMAND_MAX_ARGS, checkCommand, parseSelection } from '../../exec/argv.js';
import { AttachSession } from '../../exec/attach.js';
import type { Admission } from '../../exec/service.js';
import type { Subject } from '../../model/answers.js';
import { ContainerParams, PodContainerParams, literal, strictObject } from '../schemas.js';
import { type ExecRouteDeps, execAccess, permissionsOf, podContainerSubject } from './exec.js';

const Flag = { anyOf: [literal('true'), literal('false'), literal('1'), literal('0')] };
const Size = { type: 'string', pattern: '^[1-9][0-9]{0,2}$' } as const;
const Command = { type: 'string', maxLength: 16384 } as const;

/** Query strings carry no types: `command` repeats (one argv element each), flags are words. */
export const AttachQuery = strictObject(
  {
    command: { anyOf: [Command, { type: 'array', items: Command, minItems: 1, maxItems: COMMAND_MAX_ARGS }] },
    namespaces: { type: 'string', pattern: '^[a-z,]{1,64}$' },
    tty: Flag,
    cols: Size,
    rows: Size,
  },
  ['command'],
);
type Flag = 'true' | 'false' | '1' | '0';
interface AttachQuery {
  command: string | string[];
  namespaces?: string;
  tty?: Flag;
  cols?: string;
  rows?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    admission?: Admission;
  }
}

const isTrue = (f: string | undefined): boolean => f === 'true' || f === '1';

async function needsUpgrade(_req: FastifyRequest, _reply: FastifyReply): Promise<never> {
  throw new NsinspectError('INVALID', 'this endpoint is a WebSocket: send Connection: Upgrade, Upgrade: websocket', { hint: 'use nsinspect exec -it, or POST …/exec for a one-shot command' });
}

export async function attachRoutes(app: FastifyInstance, deps: ExecRouteDeps): Promise<void> {
  /**
   * Before the upgrade, so that refusals are plain HTTP answers (400, 404, 409, 429): validate the
   * command, resolve the container and take a session slot. The slot is freed if the upgrade
   * never completes.
   */
  const admit = (req: FastifyRequest<{ Querystring: AttachQuery }>, subject: Subject, target: string): void => {
    if (!req.ws) return; // needsUpgrade answers
    const q = req.query;
    const command = checkCommand(Array.isArray(q.command) ? q.command : [q.command]);
    const a = deps.exec.admit({ subject, target, permissions: permissionsOf(req), command, namespaces: parseSelection(q.namespaces), user: req.user ?? { username: 'unknown', groups: [] } }, isTrue(q.tty));
    req.admission = a;
    // Until a session takes it over, the slot goes with the connection.
    req.raw.socket.once('close', () => {
      if (req.admission === a) a.end({ result: 'error', exitCode: null, reason: 'disconnect', bytesIn: 0, bytesOut: 0 });
    });
  };

  const session = (socket: WebSocket, req: FastifyRequest<{ Querystring: AttachQuery }>): void => {
    const a = req.admission;
    if (!a) {
      socket.close(1011, 'not admitted');
      return;
    }
    req.admission = undefined; // the session owns the slot now
    const q = req.query;
    const s = new AttachSession(
      socket,
      a,
      { tty: isTrue(q.tty), cols: Number(q.cols ?? 80), rows: Number(q.rows ?? 24), idleMs: deps.exec.limits.idleSeconds * 1000 },
      req.log,
      (stop) => deps.exec.onShutdown(stop),
    );
    void s.start();
  };

  app.route<{ Params: PodContainerParams; Querystring: AttachQuery }>({
    method: 'GET',
    url: '/pods/:namespace/:pod/containers/:container/attach',
    schema: { params: PodContainerParams, querystring: AttachQuery },
    // A WebSocket exec is a GET, but it runs commands: authorize it as create, as the kubelet
    // should have (kubernetes#78741), and as a node-level action like POST exec.
    config: { summary: "WebSocket: an interactive session (pty or pipes) in a pod container's namespaces.", access: (req) => { const p = req.params as PodContainerParams; return execAccess(deps.nodeName, { namespace: p.namespace, name: p.pod }); } },
    preHandler: async (req) => {
      const { subject, target } = podContainerSubject(deps, req.params);
      admit(req, subject, target);
    },
    handler: needsUpgrade,
    wsHandler: session,
  });

  app.route<{ Params: ContainerParams; Querystring: AttachQuery }>({
    method: 'GET',
    url: '/containers/:id/attach',
    schema: { params: ContainerParams, querystring: AttachQuery },
    config: { summary: "WebSocket: an interactive session (pty or pipes) in a container's namespaces.", access: () => execAccess(deps.nodeName) },
    preHandler: async (req) => {
      const s = deps.engine.containerSubject(req.params.id);
      admit(req, s, `container/${s.containerID}`);
    },
    handler: needsUpgrade,
    wsHandler: session,
  });
}
