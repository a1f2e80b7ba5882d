// nsinspect access TARGET DEBUGGER: privileges side by side and each op's verdict with its walk of checks (node-local).
import { NsinspectError } from '../../agent/errors.js';
import { Engine } from '../../agent/engine.js';
import { parseLocalRef } from '../../agent/discovery/refs.js';
import { ACCESS_OPS, type AccessOp } from '../../agent/model/access.js';
import type { GlobalOptions } from '../main.js';
import { renderAccess } from '../render/access.js';
import { print } from '../output.js';

export function access(target: string, dbg: string, opts: GlobalOptions & { op?: string }): void {
  const [t, d] = [parseLocalRef(target), parseLocalRef(dbg)];
  const ops = opts.op === undefined ? undefined : opts.op.split(',').map((o) => o.trim());
  for (const o of ops ?? []) {
    if (!(ACCESS_OPS as readonly string[]).includes(o)) {
      throw new NsinspectError('INVALID', `unknown op ${JSON.stringify(o)}`, { hint: `pick from ${ACCESS_OPS.join(', ')}` });
    }
  }
  if (process.geteuid?.() !== 0) {
    throw new NsinspectError('NOT_ROOT', "nsinspect access needs root to read other processes' credentials", { hint: 'run it with sudo' });
  }
  const engine = new Engine();
  const a = engine.access(engine.subject(t), engine.subject(d));
  if (ops) a.verdicts = a.verdicts.filter((v) => ops.includes(v.op as AccessOp));
  print(a, opts, renderAccess);
}
