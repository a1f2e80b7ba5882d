// processFingerprint: equal while the process, its namespaces and credentials are; different after any of them changes; undefined when gone. Fixture /proc, and the real one for what moves on its own.
import t from 'tap';
import { processFingerprint } from '../../../../agent/procfs/fingerprint.js';
import { procFixture } from '../../../helpers/proc-fixture.js';

t.test('a fixture process: each change it covers changes it', async (t) => {
  const fx = procFixture(t, 'v2').process({ pid: 500, comm: 'sh', start: 7000, ns: { pid: 4026532400 } });
  const before = processFingerprint(500, fx.proc);
  t.type(before, 'string');
  t.equal(processFingerprint(500, fx.proc), before, 'read twice, the same');
  const changes: Array<[string, Parameters<typeof fx.change>[1]]> = [
    ['exec (command name)', { comm: 'nginx' }],
    ['restart (start time)', { start: 7100 }],
    ['setns (a namespace)', { ns: { net: 4026532401 } }],
    ['setuid (ids and capabilities)', { uid: 65534 }],
  ];
  for (const [what, change] of changes) {
    fx.change(500, change);
    t.not(processFingerprint(500, fx.proc), before, what);
    fx.change(500, { comm: 'sh', start: 7000, ns: { pid: 4026532400, net: undefined }, uid: 0 });
    t.equal(processFingerprint(500, fx.proc), before, `${what}: undone, the same again`);
  }
  fx.exit(500);
  t.equal(processFingerprint(500, fx.proc), undefined, 'gone');
  t.equal(processFingerprint(999_999, fx.proc), undefined, 'never was');
});

t.test('the real /proc: memory, state and counters moving do not change it', async (t) => {
  const before = processFingerprint(process.pid, '/proc');
  t.type(before, 'string');
  const junk = Array.from({ length: 200_000 }, (_, i) => ({ i, s: String(i) }));
  t.ok(junk.length);
  t.equal(processFingerprint(process.pid, '/proc'), before, 'the same after allocating (VmRSS and context switches moved)');
});
