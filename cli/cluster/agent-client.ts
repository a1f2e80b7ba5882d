// A small HTTP client for one node's agent: sends the user's token, turns error bodies into one line.
import { NsinspectError } from '../../agent/model/errors.js';
import { codeOf, type ErrorJSON } from '../../agent/protocol/protocol.js';
import { checkAgentURL } from './trust.js';
import { RequestTimeout } from './overrides.js';

/**
 * One request with Node's http or https: fetch would load undici first, tens of ms of every
 * command's start-up. The body is read whole; the timeout covers the whole exchange.
 */
async function send(url: URL, method: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number, timeoutError: () => Error): Promise<{ status: number; ok: boolean; text: string }> {
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('error', reject);
      res.on('end', () => {
        clearTimeout(timer);
        const status = res.statusCode ?? 0;
        resolve({ status, ok: status >= 200 && status <= 299, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    const timer = timeoutMs > 0 ? setTimeout(() => req.destroy(timeoutError()), timeoutMs) : undefined;
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}

export class AgentClient {
  constructor(
    readonly baseURL: string,
    private readonly token: string,
    readonly node: string,
    private readonly onClose: () => Promise<void> = async () => undefined,
    /** Why the transport failed, when it knows (a refused port-forward). */
    private readonly transportError: () => string | undefined = () => undefined,
    /** --request-timeout in ms (0: none) for requests that name no bound of their own; else 30 s. */
    private readonly requestTimeoutMs?: number,
  ) {
    // The last gate before the token leaves: plain http only to loopback, whoever built this client.
    checkAgentURL(baseURL);
  }

  get<T>(path: string, timeoutMs?: number): Promise<T> {
    return this.request<T>('GET', path, undefined, timeoutMs);
  }

  /** A timeoutMs of its own (exec: the command's timeout and a grace) is kept whatever --request-timeout says. */
  post<T>(path: string, body: unknown, timeoutMs?: number): Promise<T> {
    return this.request<T>('POST', path, body, timeoutMs);
  }

  private async request<T>(method: string, path: string, body: unknown, own: number | undefined): Promise<T> {
    let res: { status: number; ok: boolean; text: string };
    const flag = own === undefined && this.requestTimeoutMs !== undefined;
    const timeoutMs = own ?? this.requestTimeoutMs ?? 30_000;
    try {
      res = await send(new URL(path, this.baseURL), method, {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      }, body === undefined ? undefined : JSON.stringify(body), timeoutMs, () => (flag ? new RequestTimeout(timeoutMs, 'the agent') : new Error(`no answer in ${timeoutMs / 1000} s`)));
    } catch (err) {
      // The deadline is the user's own flag: say so rather than blame the transport.
      const timedOut = err instanceof RequestTimeout;
      const why = (timedOut ? undefined : this.transportError()) ?? (err as Error).message;
      throw new NsinspectError('UNAVAILABLE', `cannot reach the nsinspect agent on node ${this.node}: ${why}`, {
        cause: err,
        hint: timedOut ? 'raise --request-timeout (0 means none), or check that the agent pod is running and ready' : 'check that the agent pod is running and ready',
      });
    }
    const text = res.text;
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      throw new NsinspectError('UNAVAILABLE', `the agent on node ${this.node} answered ${res.status} with no JSON`, { hint: 'is --agent pointing at an nsinspect agent?' });
    }
    if (res.ok) return answer as T;
    const e = (answer as ErrorJSON).error ?? { code: 'INTERNAL', message: text.slice(0, 200) };
    const code = codeOf(res.status, e.code);
    const hint = e.hint ?? HINTS[res.status];
    throw new NsinspectError(code, `agent on node ${this.node}: ${e.message}`, { ...(hint ? { hint } : {}), ...(e.details ? { details: e.details } : {}) });
  }

  /** Opens an attach WebSocket on this agent (same token, same transport). */
  async attach(path: string, params: import('./attach-client.js').AttachParams, handlers: import('./attach-client.js').AttachHandlers): Promise<import('./attach-client.js').AttachConnection> {
    const { attachURL, openAttach } = await import('./attach-client.js');
    try {
      return await openAttach(attachURL(this.baseURL, path, params), this.token, this.node, handlers, this.requestTimeoutMs);
    } catch (err) {
      const why = this.transportError();
      if (why && (err as NsinspectError).code === 'UNAVAILABLE') throw new NsinspectError('UNAVAILABLE', `cannot reach the nsinspect agent on node ${this.node}: ${why}`, { cause: err, hint: 'check that the agent pod is running and ready' });
      throw err;
    }
  }

  close(): Promise<void> {
    return this.onClose();
  }
}

const HINTS: Record<number, string> = {
  401: 'your token was not accepted: pass --token "$(kubectl create token <service-account>)"',
  403: 'ask your cluster admin to bind nsinspect-viewer or nsinspect-debugger to you',
  409: 'the container is not running: kubectl get pod -o wide',
  503: 'the agent is starting or cannot reach the API server; try again shortly',
};
