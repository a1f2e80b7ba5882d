// kubectl's request flags as values: --request-timeout durations and the impersonation headers.
import t from 'tap';
import { formatDuration, impersonationHeaders, parseRequestTimeout } from '../../../../cli/cluster/overrides.js';

t.test('--request-timeout takes what client-go ParseTimeout takes', async (t) => {
  const good: Array<[string, number]> = [['0', 0], ['5', 5000], ['5s', 5000], ['500ms', 500], ['1m30s', 90_000], ['1h', 3_600_000], ['1.5s', 1500], ['0s', 0], ['100us', 1], ['2m0.5s', 120_500]];
  for (const [text, ms] of good) t.equal(parseRequestTimeout(text), ms, text);
  for (const bad of ['', '5x', '-1s', '-5', '1.5', 's', '1 s', '5s5']) t.throws(() => parseRequestTimeout(bad), /invalid timeout/, JSON.stringify(bad));
});

t.test('durations read back as typed', async (t) => {
  t.equal(formatDuration(300), '300ms');
  t.equal(formatDuration(5000), '5s');
  t.equal(formatDuration(90_000), '1m30s');
  t.equal(formatDuration(1500), '1.5s');
  t.equal(formatDuration(3_600_000), '1h');
});

t.test('impersonation headers: none without --as; one Impersonate-Group value per group', async (t) => {
  t.same(impersonationHeaders({}), {});
  t.same(impersonationHeaders({ asGroups: ['g'] }), {}, 'groups alone send nothing (Cluster.load refuses them first)');
  t.same(impersonationHeaders({ asUser: 'bob' }), { 'Impersonate-User': 'bob' });
  t.same(impersonationHeaders({ asUser: 'bob', asGroups: ['a', 'b'] }), { 'Impersonate-User': 'bob', 'Impersonate-Group': ['a', 'b'] });
});
