// Removes whatever a killed test or demo left behind: lab containers, their cgroups and files.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

const BASE = '/run/nsinspect-lab';

/** Force-deletes every container of every lab state root, then the lab directories. */
export async function sweep(): Promise<number> {
  if (!existsSync(BASE)) return 0;
  let removed = 0;
  for (const lab of readdirSync(BASE)) {
    const root = join(BASE, lab, 'runc');
    if (!existsSync(root)) continue;
    const list = await execa('runc', ['--root', root, 'list', '--quiet'], { reject: false });
    for (const id of list.stdout.split('\n').filter(Boolean)) {
      await execa('runc', ['--root', root, 'delete', '--force', id], { reject: false });
      removed++;
    }
  }
  await execa('rm', ['-rf', '--one-file-system', BASE], { reject: false });
  return removed;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = await sweep();
  if (n > 0) console.error(`sweep: removed ${n} leftover lab container(s)`);
}
