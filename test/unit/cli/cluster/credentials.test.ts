// The kubeconfig user's credentials without client-node: token files trimmed, exec plugins run through the ExecCredential protocol.
import t from 'tap';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentialsOf } from '../../../../cli/cluster/credentials.js';

t.test('token file, and an exec plugin given KUBERNETES_EXEC_INFO and its env', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nsinspect-cred-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'tok'), 'abc\n');
  t.same(await credentialsOf({ server: 'https://x', namespace: 'default', userName: 'u', insecure: false, tokenFile: join(dir, 'tok') }), { token: 'abc' });

  const plugin = join(dir, 'plugin');
  writeFileSync(plugin, `#!/bin/sh\nprintf '%s' "$KUBERNETES_EXEC_INFO" > "${dir}/info"\necho "$GREETING $1" > "${dir}/env"\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-plugin"}}'\n`);
  chmodSync(plugin, 0o755);
  const exec = { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, args: ['arg1'], env: [{ name: 'GREETING', value: 'hi' }], provideClusterInfo: true, cluster: { server: 'https://x', 'certificate-authority-data': 'Q0E=' } };
  const c = await credentialsOf({ server: 'https://x', namespace: 'default', userName: 'u', insecure: false, exec });
  t.equal(c.token, 'from-plugin');
  t.match(JSON.parse(readFileSync(join(dir, 'info'), 'utf8')), { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false, cluster: { server: 'https://x', 'certificate-authority-data': 'Q0E=' } } });
  t.equal(readFileSync(join(dir, 'env'), 'utf8'), 'hi arg1\n');

  writeFileSync(plugin, '#!/bin/sh\necho nope\n');
  await t.rejects(credentialsOf({ server: 'https://x', namespace: 'default', userName: 'u', insecure: false, exec }), /printed no ExecCredential/);
  writeFileSync(plugin, '#!/bin/sh\nexit 3\n');
  await t.rejects(credentialsOf({ server: 'https://x', namespace: 'default', userName: 'u', insecure: false, exec }), /failed \(exit 3\)/);
});
