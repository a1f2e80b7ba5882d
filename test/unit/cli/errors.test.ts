// The CLI's one error line: the agent's candidates become "did you mean", control characters are escaped.
import t from 'tap';
import { NsinspectError } from '../../../agent/model/errors.js';
import { formatError } from '../../../cli/errors.js';
import { closest } from '../../../cli/suggest.js';

t.test('candidates from an error (the agent sends details.candidates) are printed', async (t) => {
  const typo = new NsinspectError('NOT_FOUND', 'agent on node node-a: pod shop/web has no container debuger', { details: { candidates: ['app', 'debugger'], typed: 'debuger' } });
  t.equal(formatError(typo), 'nsinspect: agent on node node-a: pod shop/web has no container debuger. Try: did you mean debugger? (candidates: app, debugger)');
  const agentOnly = new NsinspectError('NOT_FOUND', 'agent on node node-a: pod shop/web has no container x', { hint: 'kubectl get pod', details: { candidates: ['app', 'debugger'] } });
  t.equal(formatError(agentOnly), 'nsinspect: agent on node node-a: pod shop/web has no container x. Try: kubectl get pod; candidates: app, debugger');
  const named = new NsinspectError('AMBIGUOUS', 'prefix abc matches 2 containers: abc1, abc2', { hint: 'give more characters', details: { candidates: ['abc1', 'abc2'] } });
  t.equal(formatError(named), 'nsinspect: prefix abc matches 2 containers: abc1, abc2. Try: give more characters', 'not repeated when the message lists them');
  const many = new NsinspectError('NOT_FOUND', 'no container zz', { details: { candidates: Array.from({ length: 12 }, (_, i) => `c${i}`) } });
  t.match(formatError(many), /candidates: c0, c1, c2, c3, c4, c5, c6, c7, … \(12 in all\)$/);
});

t.test('closest', async (t) => {
  t.equal(closest('debuger', ['app', 'debugger']), 'debugger');
  t.equal(closest('ap', ['app', 'debugger']), 'app');
  t.equal(closest('zzzz', ['app', 'debugger']), undefined, 'nothing close: no guess');
});

t.test('an error line cannot carry terminal escapes', async (t) => {
  t.equal(formatError(new NsinspectError('INVALID', 'bad \x1b[2Jname')), 'nsinspect: bad \\x1b[2Jname');
  t.equal(formatError(new Error('boom\x9b')), 'nsinspect: internal error: boom\\x9b. Please report it with the command you ran');
});
