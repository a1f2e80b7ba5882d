// The pod list+watch against the fake API server: events, resume without relist, relist after 410 with deletes, restart after a cut.
import t from 'tap';
import { kubeconfigClient } from '../../../../agent/kube/client.js';
import { ListWatch } from '../../../../agent/kube/list-watch.js';
import { makePod, startFakeApiServer } from '../../../fake-apiserver/index.js';

interface Pod { metadata?: { namespace?: string; name?: string; resourceVersion?: string } }

async function until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

t.test('list, watch, resume, relist after 410, restart after an error', async (t) => {
  const srv = await startFakeApiServer();
  t.teardown(() => srv.close());
  srv.pods.add(makePod({ namespace: 'a', name: 'p1', nodeName: 'n1' }));
  srv.pods.add(makePod({ namespace: 'a', name: 'other', nodeName: 'n2' }));
  const client = await kubeconfigClient(srv.kubeconfigPath);
  const fieldSelector = 'spec.nodeName=n1';
  const lw = new ListWatch<Pod>('/api/v1/pods', client, () => client.listPodForAllNamespaces({ fieldSelector }), fieldSelector);
  const events: string[] = [];
  const errors: unknown[] = [];
  for (const verb of ['add', 'update', 'delete'] as const) lw.on(verb, (p) => events.push(`${verb} ${p.metadata?.namespace}/${p.metadata?.name}`));
  lw.on('error', (e) => errors.push(e));
  t.teardown(() => lw.stop());

  await lw.start();
  t.same(events.splice(0), ['add a/p1'], 'the list: only this node’s pods');
  await srv.waitForWatches(1);
  const watchQuery = srv.requests.filter((r) => r.verb === 'WATCH').at(-1)?.query ?? '';
  t.match(watchQuery, /fieldSelector=spec.nodeName%3Dn1/, 'the watch has the selector');
  t.match(watchQuery, /resourceVersion=\d+/, 'and resumes from the list');

  srv.pods.add(makePod({ namespace: 'a', name: 'p2', nodeName: 'n1' }));
  srv.pods.update('a', 'p1', (p) => {
    p.metadata.labels = { x: 'y' };
  });
  await until(() => events.length >= 2, 'add and update');
  t.same(events.splice(0), ['add a/p2', 'update a/p1']);

  // The server ends the stream cleanly: watched again from the last version, no relist.
  const lists = (): number => srv.requests.filter((r) => r.verb === 'GET' && r.path === '/api/v1/pods').length;
  const listsBefore = lists();
  srv.dropWatches('end');
  await until(() => srv.watchesStarted() >= 2 && srv.watchCount() === 1, 'the re-watch');
  srv.pods.delete('a', 'p2');
  await until(() => events.length >= 1, 'the delete');
  t.same(events.splice(0), ['delete a/p2']);
  t.equal(lists(), listsBefore, 'no relist after a clean end');

  // 410 Expired: relist; a pod gone meanwhile is deleted, a new one added, an unchanged one not updated.
  srv.pauseWatches();
  srv.expireHistory({ closeWatches: true });
  srv.pods.delete('a', 'p1');
  srv.pods.add(makePod({ namespace: 'b', name: 'p3', nodeName: 'n1' }));
  srv.expireHistory();
  srv.resumeWatches();
  await until(() => lists() > listsBefore && events.length >= 2, 'the relist');
  t.same(events.splice(0).sort(), ['add b/p3', 'delete a/p1']);
  t.same(errors, [], 'no error so far');

  // A cut mid-stream is an error: the caller restarts, from the last version.
  await srv.waitForWatches(1);
  t.equal(srv.dropWatches('destroy'), 1);
  await until(() => errors.length === 1, 'the error');
  await lw.start();
  srv.pods.add(makePod({ namespace: 'b', name: 'p4', nodeName: 'n1' }));
  await until(() => events.length >= 1, 'an add after the restart');
  t.same(events.splice(0), ['add b/p4'], 'nothing replayed twice');
});
