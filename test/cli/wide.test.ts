// -o wide through the built CLI: the columns a narrow table gives up come back (ephemeral -A keeps IMAGE).
import t from 'tap';
import { join } from 'node:path';
import { execa } from 'execa';
import { apiServerFor } from '../helpers/cluster.js';
import { makePod } from '../fake-apiserver/index.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;

t.test('ephemeral -A -o wide has NAMESPACE and IMAGE; -A alone leaves IMAGE out', async (t) => {
  const srv = await apiServerFor(t);
  srv.pods.add(makePod({ name: 'web', namespace: 'shop', nodeName: 'node-a', ephemeralContainers: [{ name: 'dbg', image: 'nicolaka/netshoot:v0.13', targetContainerName: 'app' }] }));
  srv.auth.allow({ user: 'node-admin', verb: 'list', resource: 'pods' });
  const kubeconfig = join(srv.dir, 'admin.kubeconfig');
  srv.writeKubeconfig(kubeconfig, { token: 'admin-token', namespace: 'shop' });
  const run = (args: string[]) => execa(process.execPath, [CLI, 'ephemeral', ...args, '--kubeconfig', kubeconfig], { reject: false });

  const wide = await run(['-A', '-o', 'wide']);
  t.equal(wide.exitCode, 0, wide.stderr);
  t.match(wide.stdout, /^NAMESPACE\s+POD\s+NAME\s+IMAGE\s+TARGET\s+STATE\s+AGE$/m);
  t.match(wide.stdout, /^shop\s+web\s+dbg\s+nicolaka\/netshoot:v0\.13\s+app\s+running\s/m);
  const narrow = await run(['-A']);
  t.match(narrow.stdout, /^NAMESPACE\s+POD\s+NAME\s+TARGET\s+STATE\s+AGE$/m);
  t.notMatch(narrow.stdout, 'netshoot');
  t.match((await run(['-o', 'wide'])).stdout, /^POD\s+NAME\s+IMAGE\s+TARGET\s+STATE\s+AGE$/m, 'one namespace: as the table');
});
