// Owns the calm-machine wait: measure when no other benchmark runs (few processes, low load), or say that it did not.
import { readFileSync } from 'node:fs';
import { procCount } from './machine.js';

export interface Calm { phase: string; calm: boolean; procs: number; ours: number; load1: number; waitedS: number }

export const CALM = { procs: 500, load1: 3 };

const load1 = (): number => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

/** Waits up to maxS seconds for calm; the scenario's own processes (ours()) do not count. Says so when it gives up. */
export async function waitCalm(phase: string, maxS: number, ours: () => number = () => 0, quiet = false): Promise<Calm> {
  const t0 = performance.now();
  let said = false;
  for (;;) {
    const o = ours();
    const c: Calm = { phase, calm: false, procs: procCount() - o, ours: o, load1: load1(), waitedS: Math.round((performance.now() - t0) / 1000) };
    c.calm = c.procs < CALM.procs && c.load1 < CALM.load1;
    if (c.calm || c.waitedS >= maxS) {
      if (!c.calm && !quiet) console.log(`  NOT CALM before ${phase}: ${c.procs} other processes, load ${c.load1}; measuring anyway`);
      return c;
    }
    if (!said) console.log(`  waiting for calm before ${phase}: ${c.procs} other processes, load ${c.load1} (want < ${CALM.procs}, < ${CALM.load1})`);
    said = true;
    await new Promise((r) => setTimeout(r, 5000));
  }
}

export const calmText = (c: Calm): string => `${c.calm ? 'calm' : 'NOT CALM'} (${c.procs} procs, load ${c.load1})`;
export const calmLine = (cs: Calm[]): string => cs.map((c) => `${c.phase}: ${calmText(c)}`).join('; ');
