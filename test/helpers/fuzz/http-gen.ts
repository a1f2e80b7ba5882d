// Owns the HTTP fuzz generator: seeded random raw requests (paths, IDs, queries, bodies, headers, framing) for the agent.

/** What the fuzzer knows about the agent under test: real names make routes reach their handlers. */
export interface FuzzTarget {
  host: string;
  port: number;
  /** Tokens the API server accepts (any role: some are denied, which is the point). */
  tokens: string[];
  pods: Array<{ namespace: string; name: string; containers: string[] }>;
  containerIDs: string[];
  pids: number[];
}

/** One request as bytes on the wire. fresh: sent on its own connection, closed after the answer. */
export interface FuzzRequest {
  kind: string;
  method: string;
  bytes: Buffer;
  fresh: boolean;
}

/** mulberry32: small, fast, seedable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Only these commands ever reach an exec route in a well-formed body: the fuzzer never runs anything else. */
export const SAFE_COMMANDS = [['true'], ['id'], ['cat', '/proc/self/status'], ['echo', 'fuzz']];

export class Gen {
  readonly r: () => number;
  constructor(seed: number, readonly t: FuzzTarget) {
    this.r = prng(seed);
  }
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)] as T;
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  /** Weighted choice: [[weight, value], ...]. */
  weighted<T>(choices: Array<[number, T]>): T {
    let x = this.r() * choices.reduce((s, [w]) => s + w, 0);
    for (const [w, v] of choices) if ((x -= w) < 0) return v;
    return (choices.at(-1) as [number, T])[1];
  }
  str(alphabet: string, max: number): string {
    const cps = [...alphabet];
    let s = '';
    for (let i = this.int(max + 1); i > 0; i--) s += cps[this.int(cps.length)];
    return s;
  }
  hex(n: number): string {
    return this.str('0123456789abcdef', n).padEnd(n, '0').slice(0, n);
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  /** Random bytes, percent-encoded: what a URL can carry of any byte. */
  encoded(n: number): string {
    return [...this.bytes(n)].map((b) => '%' + b.toString(16).padStart(2, '0').toUpperCase()).join('');
  }

  podOf() {
    return this.pick(this.t.pods);
  }
  /** A path segment: real names most of the time, near misses and hostile text otherwise. */
  segment(real: () => string): string {
    return this.weighted<() => string>([
      [6, real],
      [1, () => real().toUpperCase()],
      [1, () => real() + this.pick(['-', '.', '_', 'x', '%00', '%20', '/..', ';'])],
      [1, () => this.pick(['..', '.', '%2e%2e', '%2E', '%2f', '%00', '%ff', '%', '%zz', '%c0%af', '~', '*', ';', '', 'null', '-1', '0', '00'])],
      [1, () => this.encoded(1 + this.int(8))],
      [1, () => this.str('abcdefghijklmnopqrstuvwxyz0123456789-._~', 70)],
      [0.3, () => 'a'.repeat(this.pick([63, 64, 253, 254, 300, 301, 2000, 8000]))],
      [0.5, () => encodeURIComponent(this.str('\u00e9\u4e2d\ud83d\ude00 \t"<>{}|\\^`', 6))],
    ])();
  }
  name = (): string => this.segment(() => this.pick(['web', 'app', 'debugger', 'debugger-notarget', 'pod-0', 'shop', ...this.t.pods.flatMap((p) => [p.name, p.namespace, ...p.containers])]));
  containerID = (): string => this.segment(() => {
    const id = this.t.containerIDs.length && this.chance(0.7) ? this.pick(this.t.containerIDs) : this.hex(64);
    return id.slice(0, this.pick([12, 16, 64, 64, 11, 65, 5]));
  });
  pid = (): string => this.segment(() => String(this.pick([...this.t.pids, 1, 2, 4194304, 4194305, 9999999, this.int(5_000_000)])));

  /** A route of the agent (or a near one) with real or random parameters. */
  apiPath(): string {
    const p = this.podOf();
    const c = () => (this.chance(0.7) ? this.pick(p.containers) : this.name());
    const ns = () => (this.chance(0.7) ? p.namespace : this.name());
    const pod = () => (this.chance(0.7) ? p.name : this.name());
    return this.weighted<() => string>([
      [2, () => '/v1/containers'],
      [3, () => `/v1/containers/${this.containerID()}`],
      [3, () => `/v1/containers/${this.containerID()}/processes`],
      [3, () => `/v1/processes/${this.pid()}`],
      [4, () => `/v1/pods/${ns()}/${pod()}`],
      [4, () => `/v1/pods/${ns()}/${pod()}/diff`],
      [3, () => `/v1/pods/${ns()}/${pod()}/containers/${c()}/processes`],
      [1, () => `/v1/pods/${ns()}/${pod()}/containers/${c()}/exec`],
      [1, () => `/v1/containers/${this.containerID()}/exec`],
      [1, () => this.pick(['/healthz', '/readyz', '/metrics', '/v1', '/v1/', '/', '/v2/containers', '/v1/pods', '/v1/pods/shop'])],
    ])();
  }
  query(): string {
    if (this.chance(0.4)) return '';
    const p = this.podOf();
    const kv = (): string => this.weighted<() => string>([
      [4, () => `debugger=${this.chance(0.7) ? this.pick(p.containers) : this.name()}`],
      [2, () => `target=${this.chance(0.7) ? this.pick(p.containers) : this.name()}`],
      [1, () => `${this.segment(() => this.pick(['debugger', 'target', 'watch', 'x']))}=${this.segment(() => 'app')}`],
      [1, () => this.pick(['', '=', '&', 'debugger', 'debugger=', '__proto__[x]=1', 'constructor[prototype][x]=1', 'debugger[]=app', 'debugger[a]=b'])],
      [0.2, () => `debugger=${'a'.repeat(this.pick([100, 5000]))}`],
    ])();
    return '?' + Array.from({ length: 1 + this.int(4) }, kv).join(this.pick(['&', '&', '&', ';', '&&']));
  }
  /** Any path: routes, traversal, encoded bytes, huge segments, absolute-form. */
  path(): string {
    return this.weighted<() => string>([
      [6, () => this.apiPath() + this.query()],
      [2, () => '/' + Array.from({ length: 1 + this.int(7) }, () => this.segment(() => this.pick(['v1', 'pods', 'containers', 'processes', 'diff', 'exec', 'attach']))).join('/') + this.query()],
      [1, () => this.pick(['/../../etc/passwd', '/v1/../healthz', '/v1/%2e%2e/%2e%2e/etc/passwd', '//v1//containers', '/v1/containers/../processes/1', '/./v1/./containers', '/v1/containers#frag', '/v1/containers?', '/v1/containers%3Fx=1', '/%2Fv1%2Fcontainers'])],
      [0.5, () => this.pick(['*', 'http://127.0.0.1/v1/containers', 'v1/containers', '', '/v1/containers\u0000'])],
      [0.3, () => '/v1/' + 'x'.repeat(this.pick([1000, 10_000, 15_000]))],
    ])();
  }

  token(): string | undefined {
    return this.weighted<() => string | undefined>([
      [12, () => this.pick(this.t.tokens)],
      [2, () => undefined],
      [2, () => `invalid-token-${this.int(50)}`],
      [0.3, () => `fresh-${this.hex(24)}`],
    ])();
  }
  authHeaders(): string[] {
    const tok = this.token();
    return this.weighted<() => string[]>([
      [16, () => (tok ? [`Authorization: Bearer ${tok}`] : [])],
      [1, () => [this.pick(['Authorization: Basic dXNlcjpwYXNz', 'Authorization: Bearer', 'Authorization: Bearer ', 'Authorization: bearer  ' + (tok ?? 'x'), `Authorization: Bearer ${tok} extra`, 'Authorization: Bearer \u00e9\u00e9', `Authorization: Bearer ${'x'.repeat(9000)}`, 'Authorization:', 'Authorization: Token x'])]],
      [0.5, () => [`Authorization: Bearer ${tok ?? 'x'}`, 'Authorization: Bearer other']],
    ])();
  }

  /** A JSON value, depth-bounded; sometimes hostile (deep nesting, __proto__, big numbers). */
  json(depth = 0): unknown {
    const leaf = () => this.pick<() => unknown>([() => this.int(1e6) - 5e5, () => this.str('abc "\\\u0000\u00e9', 12), () => null, () => true, () => 1e308, () => -0.5])();
    if (depth > 3) return leaf();
    return this.weighted<() => unknown>([
      [3, leaf],
      [2, () => Array.from({ length: this.int(5) }, () => this.json(depth + 1))],
      [3, () => Object.fromEntries(Array.from({ length: this.int(5) }, () => [this.pick(['command', 'namespaces', 'timeoutSeconds', 'stdin', 'shell', 'x', '', this.str('abcz', 6)]), this.json(depth + 1)]))],
    ])();
  }
  body(): { type?: string; body: Buffer } {
    const text = (s: string) => Buffer.from(s);
    const exec = (): unknown => ({ command: this.pick(SAFE_COMMANDS), ...(this.chance(0.3) ? { namespaces: this.pick<unknown>(['tools', 'all', ['net'], ['pid', 'net'], 'bogus', []]) } : {}), ...(this.chance(0.2) ? { timeoutSeconds: this.pick<unknown>([1, 5, 0, 601, '5', 1.5]) } : {}) });
    return this.weighted<() => { type?: string; body: Buffer }>([
      [5, () => ({ type: 'application/json', body: text(JSON.stringify(this.json())) })],
      [2, () => ({ type: 'application/json', body: text(JSON.stringify(exec())) })],
      [1, () => ({ type: this.pick(['application/json', 'application/json; charset=utf-8', 'application/JSON', 'application/json; charset=latin1', 'application/json;;']), body: text(this.pick(['', '{', '{"command":', 'null', '[]', '"x"', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '\ufeff{}', '{"command":["true"]}garbage'])) })],
      [1, () => ({ type: this.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'image/png', '', 'a/b/c', '*/*']), body: text(JSON.stringify(exec())) })],
      [1, () => ({ type: undefined, body: this.bytes(this.int(200)) })],
      [0.5, () => ({ type: 'application/json', body: this.bytes(this.int(300)) })],
      [0.3, () => ({ type: 'application/json', body: text('['.repeat(this.pick([1000, 100_000])) + ']'.repeat(this.pick([0, 1000]))) })],
      [0.1, () => ({ type: 'application/json', body: text(JSON.stringify({ command: ['true'], stdin: 'x'.repeat(this.pick([1024 * 1024 + 10, 2 * 1024 * 1024])) })) })],
    ])();
  }
}
