// make demo: the article's experiment on real containerd pods made over CRI, by pod name, and nothing of it left behind.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { criAvailable } from '../../lab/demo-cri.js';

const DEMO = new URL('../../dist/lab/demo.js', import.meta.url).pathname;

t.test('make demo runs on real containerd, answers by pod name, and removes what it made', async (t) => {
  const missing = await criAvailable();
  if (missing) return t.skip(`no containerd here: ${missing}`, () => undefined);
  // A namespace of this run's own: another run's shop/web would make the demo's pod refs ambiguous.
  const ns = `demo-${randomBytes(3).toString('hex')}`;
  const r = await execa(process.execPath, [DEMO], { reject: false, timeout: 240_000, env: { NO_COLOR: '1', NSINSPECT_DEMO_NAMESPACE: ns } });
  t.equal(r.exitCode, 0, r.stderr);
  t.match(r.stdout, /made over CRI on a private containerd/);
  t.notMatch(r.stdout, /no CRI demo/, 'not the runc fallback');
  t.match(r.stdout, `$ nsinspect diff ${ns}/web debugger\n`, 'the pod by name, from containerd\'s records');
  t.match(r.stdout, /^pid +\d+ +\d+ +yes +target$/m, 'the --target debugger shares the app\'s pid namespace');
  t.match(r.stdout, /^pid +\d+ +\d+ +no +private$/m, 'the other does not');
  t.match(r.stdout, /removed the demo's pods, containers and cgroups/);
  const mine = /pod \S+ cgroup \/kubepods\/burstable\/pod([0-9a-f-]{36})/.exec(r.stdout)?.[1] ?? /pod([0-9a-f-]{36})\)/.exec(r.stdout)?.[1];
  t.ok(mine, 'the demo named its pod');
  for (const h of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified', '/sys/fs/cgroup/memory']) {
    t.notOk(existsSync(join(h, 'kubepods/burstable', `pod${mine}`)), `the pod's cgroup is gone from ${h}`);
  }
});
