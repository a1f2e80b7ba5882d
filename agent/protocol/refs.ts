// Parses node-local refs (pid/<n>, container/<id-prefix>) at the edge into typed values.
import { NsinspectError } from '../model/errors.js';
import { CONTAINER_PREFIX, type LocalRef, PID_MAX, parsePid } from '../model/formats.js';

export { type LocalRef, PID_MAX, parsePid };

/** kubectl-style TYPE/NAME. Throws INVALID (a usage error) with what to type instead. */
export function parseLocalRef(text: string): LocalRef {
  const slash = text.indexOf('/');
  const kind = slash < 0 ? '' : text.slice(0, slash);
  const name = slash < 0 ? text : text.slice(slash + 1);
  if (kind === 'pid' || kind === 'p') {
    const pid = parsePid(name);
    if (pid === undefined) throw new NsinspectError('INVALID', `invalid PID in ${JSON.stringify(text)}: want a positive integer up to ${PID_MAX}`, { hint: 'e.g. pid/4242' });
    return { kind: 'pid', pid, text: `pid/${pid}` };
  }
  if (kind === 'container' || kind === 'c') {
    const prefix = name.replace(/^(containerd|cri-o|docker):\/\//, '');
    if (!CONTAINER_PREFIX.test(prefix)) {
      throw new NsinspectError('INVALID', `invalid container ID in ${JSON.stringify(text)}: want 12 to 64 lowercase hex characters`, { hint: 'e.g. container/3f2a9c0b1d4e' });
    }
    return { kind: 'container', prefix, text: `container/${prefix}` };
  }
  if (slash < 0) {
    throw new NsinspectError('INVALID', `${JSON.stringify(text)} is not a node-local ref: pod names need a cluster`, {
      hint: 'use pid/<n> or container/<id>, e.g. pid/4242 or container/3f2a9c0b1d4e',
    });
  }
  throw new NsinspectError('INVALID', `unknown ref type ${JSON.stringify(kind)} in ${JSON.stringify(text)}`, { hint: 'use pid/<n> or container/<id>' });
}
