// Owns the soak's measurements: samples of the agent process (RSS, fds, ptys, children), the verdict and the PNG plot.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';

export interface Sample {
  /** Seconds since the load started. */
  t: number;
  rssMiB: number;
  fds: number;
  ptys: number;
  children: number;
  threads: number;
  requests: number;
  failures: number;
}

/** One look at the agent process from the outside, through /proc. */
export function sampleAgent(pid: number): Omit<Sample, 't' | 'requests' | 'failures'> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  let fds = 0;
  let ptys = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    fds++;
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === '/dev/ptmx') ptys++;
    } catch {
      // closed meanwhile
    }
  }
  return { rssMiB: Math.round(kb('VmRSS') / 102.4) / 10, fds, ptys, children: descendants(pid).length, threads: kb('Threads') };
}

/** Every process descended from pid: what an exec session that leaked would leave. */
export function descendants(pid: number): number[] {
  const kids = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (d.charCodeAt(0) < 48 || d.charCodeAt(0) > 57) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'latin1');
      const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
      const list = kids.get(ppid) ?? [];
      list.push(Number(d));
      kids.set(ppid, list);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const k of kids.get(p) ?? []) {
      out.push(k);
      walk(k);
    }
  };
  walk(pid);
  return out;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};

/**
 * Theil-Sen slope of y over t, per minute: the median of the pairwise slopes. One GC bump near the
 * end of a run cannot tilt it the way it tilts a least-squares line; a steady leak still shows.
 */
function slopePerMin(pts: Array<{ t: number; y: number }>): number {
  const slopes: number[] = [];
  for (let i = 0; i < pts.length; i++) {
    for (let j = i + 1; j < pts.length; j++) if (pts[j].t > pts[i].t) slopes.push((pts[j].y - pts[i].y) / (pts[j].t - pts[i].t));
  }
  return slopes.length ? median(slopes) * 60 : 0;
}

export interface Verdict {
  pass: boolean;
  checks: Array<{ check: string; value: string; pass: boolean }>;
}

/**
 * Pass: after the load stops nothing is left (no pty, no child, fds back near the warm-up level),
 * RSS is flat after warm-up (the last third's median within 10% of the first post-warm-up third's,
 * and its trend under 1 MiB a minute), and no request failed other than the intended 4xx answers.
 */
export function verdict(samples: Sample[], warmupS: number, after: Omit<Sample, 't' | 'requests' | 'failures'>, unexpected: number): Verdict {
  const steady = samples.filter((s) => s.t >= warmupS);
  const third = Math.max(1, Math.floor(steady.length / 3));
  const early = median(steady.slice(0, third).map((s) => s.rssMiB));
  const late = median(steady.slice(-third).map((s) => s.rssMiB));
  const slope = slopePerMin(steady.slice(third).map((s) => ({ t: s.t, y: s.rssMiB })));
  const baseFds = median(steady.slice(0, third).map((s) => s.fds));
  const checks = [
    { check: 'no pty left open after the load', value: String(after.ptys), pass: after.ptys === 0 },
    { check: 'no child process left after the load', value: String(after.children), pass: after.children === 0 },
    { check: 'file descriptors back to the steady level (+5)', value: `${after.fds} (steady median ${baseFds})`, pass: after.fds <= baseFds + 5 },
    { check: 'RSS flat: last third within 10% of the first steady third', value: `${early} -> ${late} MiB`, pass: late <= early * 1.1 },
    { check: 'RSS trend after warm-up (Theil-Sen) under 1 MiB/min', value: `${slope.toFixed(2)} MiB/min`, pass: slope < 1 },
    { check: 'no request failed except the intended 4xx', value: String(unexpected), pass: unexpected === 0 },
  ];
  return { pass: checks.every((c) => c.pass), checks };
}

/** Plots RSS, fds, ptys and children over time with gnuplot, if it is installed; returns why not otherwise. */
export function plot(samples: Sample[], warmupS: number, png: string, title: string): string | undefined {
  const data = png.replace(/\.png$/, '.dat');
  writeFileSync(data, samples.map((s) => `${s.t} ${s.rssMiB} ${s.fds} ${s.ptys} ${s.children}`).join('\n') + '\n');
  const script = [
    'set terminal pngcairo size 1000,600 font "DejaVu Sans,10"',
    `set output '${png}'`,
    'set multiplot layout 2,1',
    `set title '${title.replace(/'/g, '')}'`,
    'set xlabel "seconds under load"',
    'set ylabel "RSS (MiB)"',
    'set yrange [0:*]',
    'set grid',
    `set arrow from ${warmupS}, graph 0 to ${warmupS}, graph 1 nohead dt 2`,
    `plot '${data}' using 1:2 with lines lw 2 title 'agent RSS'`,
    'unset title',
    'set ylabel "count"',
    `plot '${data}' using 1:3 with lines lw 2 title 'open fds', '' using 1:4 with lines lw 2 title 'ptys', '' using 1:5 with lines lw 2 title 'child processes'`,
    'unset multiplot',
  ].join('\n');
  try {
    execFileSync('gnuplot', [], { input: script, stdio: ['pipe', 'ignore', 'pipe'] });
    return undefined;
  } catch (e) {
    return `no plot: ${(e as Error).message.split('\n')[0]} (apt-get install gnuplot-nox)`;
  }
}
