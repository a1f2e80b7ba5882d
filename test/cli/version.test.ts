// `nsinspect version` through the built CLI: the client's version, and an agent's as the agent itself reports it (GET /v1), found as the other commands find it.
import t from 'tap';
import { join } from 'node:path';
import { execa } from 'execa';
import { agentFor, agentPodJson, apiServerFor } from '../helpers/cluster.js';
import { VERSION } from '../../agent/protocol/protocol.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', NODE_OPTIONS: '' };

t.test('client and agent versions, through --agent and through discovery', async (t) => {
  const srv = await apiServerFor(t);
  const agent = await agentFor(t, srv);
  const url = new URL(await agent.app.listen({ host: '127.0.0.1', port: 0 }));
  const kubeconfig = join(srv.dir, 'user.kubeconfig');
  srv.writeKubeconfig(kubeconfig, { token: 'debugger-token', namespace: 'shop' });
  const run = (args: string[]) => execa(process.execPath, [CLI, 'version', ...args, '--kubeconfig', kubeconfig], { reject: false, env, extendEnv: false });

  const direct = await run(['--agent', url.origin]);
  t.equal(direct.exitCode, 0, direct.stderr);
  t.equal(direct.stdout, `Client Version: ${VERSION}\nAgent Version: ${VERSION} (${url.origin})`);

  // No agent pod yet: the client's version still, then the error, exit 1 (kubectl version with the server away).
  const away = await run([]);
  t.equal(away.exitCode, 1);
  t.equal(away.stdout, `Client Version: ${VERSION}`);
  t.match(away.stderr, /^nsinspect: no running nsinspect agent in namespace nsinspect-system\. Try: is it deployed\?/);

  srv.pods.add(agentPodJson('nsinspect-x7k2p'));
  srv.portForward.set('nsinspect-system', 'nsinspect-x7k2p', 9742, { port: Number(url.port) });
  const found = await run([]);
  t.equal(found.exitCode, 0, found.stderr);
  t.equal(found.stdout, `Client Version: ${VERSION}\nAgent Version: ${VERSION} (node node-a)`);
  t.same(JSON.parse((await run(['-o', 'json'])).stdout), { clientVersion: VERSION, agentVersion: VERSION, agentNode: 'node-a' });

  // --agent with no kubeconfig at all: only the agent is asked, with the token given outright.
  const alone = (args: string[]) => execa(process.execPath, [CLI, 'version', '--agent', url.origin, ...args], { reject: false, env, extendEnv: false });
  const given = await alone(['--token', 'debugger-token']);
  t.equal(given.exitCode, 0, given.stderr);
  t.equal(given.stdout, `Client Version: ${VERSION}\nAgent Version: ${VERSION} (${url.origin})`);
  const tokenless = await alone([]);
  t.equal(tokenless.exitCode, 1);
  t.equal(tokenless.stdout, `Client Version: ${VERSION}`);
  t.match(tokenless.stderr, /^nsinspect: the agent needs a bearer token, and there is no kubeconfig to take one from\. Try: pass --token-file FILE, or set NSINSPECT_TOKEN/);

  srv.clearRequests();
  const client = await run(['--client']);
  t.equal(client.exitCode, 0);
  t.equal(client.stdout, `Client Version: ${VERSION}`);
  t.equal(srv.requests.length, 0, '--client asks nobody');
});

t.test('without a kubeconfig or --agent: the client alone, exit 0', async (t) => {
  const r = await execa(process.execPath, [CLI, 'version'], { reject: false, env, extendEnv: false });
  t.equal(r.exitCode, 0);
  t.equal(r.stdout, `Client Version: ${VERSION}`);
  t.equal(r.stderr, '');
});
