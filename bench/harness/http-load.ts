// Owns the HTTP load generator: autocannon in its own process, cycling over paths, optional /metrics scrapes; prints one JSON line.
import type { EventEmitter } from 'node:events';
import autocannon from 'autocannon';
import { percentile, round } from './measure.js';

export interface LoadSpec {
  /** Base URL of the agent's API, e.g. http://127.0.0.1:9742 */
  url: string;
  /** Paths cycled over, request after request, across all connections. */
  paths: string[];
  token: string;
  connections: number;
  durationS: number;
  /** Requests per second over all connections (autocannon's overallRate); unset: as fast as the agent answers. */
  ratePerS?: number;
  /** Scrape this URL every scrapeEveryS seconds during the load (Prometheus-like). */
  scrapeUrl?: string;
  scrapeEveryS?: number;
}

export interface LoadResult {
  requests: number;
  reqPerSec: number;
  /** From each response's own timing (sub-ms), all responses of the run. */
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** autocannon's own histogram (whole ms), as a cross-check. */
  autocannonMs: { p50: number; p99: number };
  status: Record<string, number>;
  errors: number;
  timeouts: number;
  scrapes: { n: number; failed: number; medianMs: number; maxMs: number; bytes: number };
}

async function scrapeLoop(url: string, everyMs: number, stop: { done: boolean }, out: LoadResult['scrapes']): Promise<void> {
  const times: number[] = [];
  while (!stop.done) {
    await new Promise((r) => setTimeout(r, everyMs));
    if (stop.done) break;
    const t0 = performance.now();
    try {
      const res = await fetch(url);
      const text = await res.text();
      if (!res.ok) throw new Error(String(res.status));
      times.push(performance.now() - t0);
      out.bytes = Buffer.byteLength(text);
    } catch {
      out.failed++;
    }
  }
  out.n = times.length;
  out.medianMs = times.length ? round(percentile(times, 50)) : 0;
  out.maxMs = times.length ? round(Math.max(...times)) : 0;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  let i = 0;
  const n = spec.paths.length;
  const latencies: number[] = [];
  const status: Record<string, number> = {};
  const stop = { done: false };
  const scrapes = { n: 0, failed: 0, medianMs: 0, maxMs: 0, bytes: 0 };
  const scraping = spec.scrapeUrl ? scrapeLoop(spec.scrapeUrl, (spec.scrapeEveryS ?? 15) * 1000, stop, scrapes) : Promise.resolve();
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationS,
    ...(spec.ratePerS ? { overallRate: spec.ratePerS } : {}),
    headers: { authorization: `Bearer ${spec.token}` },
    requests: [{ setupRequest: (req) => ({ ...req, path: spec.paths[i++ % n] ?? '/' }) }],
  }) as unknown as Promise<autocannon.Result> & EventEmitter; // without a callback: a thenable event emitter
  instance.on('response', (_client: unknown, code: number, _bytes: number, ms: number) => {
    latencies.push(ms);
    status[code] = (status[code] ?? 0) + 1;
  });
  const r = await instance;
  stop.done = true;
  await scraping;
  const mean = latencies.reduce((s, x) => s + x, 0) / Math.max(1, latencies.length);
  return {
    requests: latencies.length,
    reqPerSec: round(latencies.length / spec.durationS, 1),
    latencyMs: {
      p50: round(percentile(latencies, 50), 3),
      p90: round(percentile(latencies, 90), 3),
      p99: round(percentile(latencies, 99), 3),
      max: round(latencies.reduce((m, x) => Math.max(m, x), 0), 3),
      mean: round(mean, 3),
    },
    autocannonMs: { p50: r.latency.p50, p99: r.latency.p99 },
    status,
    errors: r.errors,
    timeouts: r.timeouts,
    scrapes,
  };
}

// As a child process: node dist/bench/harness/http-load.js '<LoadSpec JSON>' prints the LoadResult as one JSON line.
if (process.argv[1]?.endsWith('http-load.js')) {
  const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
  runLoad(spec).then(
    (r) => {
      process.stdout.write(JSON.stringify(r) + '\n');
      process.exit(0);
    },
    (e: Error) => {
      process.stderr.write(`load failed: ${e.message}\n`);
      process.exit(1);
    },
  );
}
