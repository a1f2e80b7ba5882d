// Owns the node inventory's floors: a readlink loop over /proc/*/ns/* in C (compiled here with gcc), in `node -e`, and in-process.
import { execFileSync } from 'node:child_process';
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const NS = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'];

/**
 * The least a Node program can do for a node-wide inventory: one readlink per /proc/<pid>/ns/<type>;
 * prints the number of distinct namespaces. Runs as `node -e`, so it pays the same start-up as our CLI.
 */
export const NODE_FLOOR_SCRIPT = `const fs = require('fs');
const T = ${JSON.stringify(NS)};
const seen = new Map();
for (const d of fs.readdirSync('/proc')) {
  const c = d.charCodeAt(0);
  if (c < 48 || c > 57) continue;
  for (const t of T) {
    let l;
    try { l = fs.readlinkSync('/proc/' + d + '/ns/' + t); } catch { continue; }
    seen.set(l, (seen.get(l) || 0) + 1);
  }
}
process.stdout.write(seen.size + '\\n');`;

/** The same loop in-process (no node start-up), to split the CLI's time into start-up and work. */
export function floorInProcess(): number {
  const seen = new Map<string, number>();
  for (const d of readdirSync('/proc')) {
    const c = d.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    for (const t of NS) {
      let l: string;
      try {
        l = readlinkSync(`/proc/${d}/ns/${t}`);
      } catch {
        continue;
      }
      seen.set(l, (seen.get(l) ?? 0) + 1);
    }
  }
  return seen.size;
}

/**
 * The same loop in C: no runtime start-up at all, the floor the CLI is judged against. Distinct
 * namespaces are counted in an open-addressing table of link strings (no libc hash needed).
 */
const C_FLOOR = `#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static const char *T[] = {${NS.map((t) => `"${t}"`).join(', ')}};
#define CAP (1 << 20)
static char *seen[CAP];
int main(void) {
  DIR *proc = opendir("/proc");
  if (!proc) return 1;
  struct dirent *e;
  char path[64], link[64];
  size_t n = 0;
  while ((e = readdir(proc))) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    for (size_t t = 0; t < sizeof T / sizeof *T; t++) {
      snprintf(path, sizeof path, "/proc/%s/ns/%s", e->d_name, T[t]);
      ssize_t len = readlink(path, link, sizeof link - 1);
      if (len < 0) continue;
      link[len] = 0;
      unsigned long h = 5381;
      for (ssize_t i = 0; i < len; i++) h = h * 33 + (unsigned char)link[i];
      for (h &= CAP - 1; seen[h] && strcmp(seen[h], link); h = (h + 1) & (CAP - 1)) {}
      if (!seen[h]) { seen[h] = strdup(link); n++; }
    }
  }
  closedir(proc);
  printf("%zu\\n", n);
  return 0;
}
`;

/** Compiles the C floor into dir with gcc -O2; returns its path, or undefined (with why on stderr) when gcc is missing. */
export function buildCFloor(dir: string): string | undefined {
  const src = join(dir, 'readlink-floor.c');
  const bin = join(dir, 'readlink-floor');
  writeFileSync(src, C_FLOOR);
  try {
    execFileSync('gcc', ['-O2', '-o', bin, src], { stdio: ['ignore', 'ignore', 'pipe'] });
    return bin;
  } catch (e) {
    console.error(`no C readlink floor: ${(e as Error).message.split('\n')[0]} (apt-get install gcc)`);
    return undefined;
  }
}
