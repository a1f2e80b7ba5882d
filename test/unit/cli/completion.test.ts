// The completion engine on given lines, with fixed sources: subcommands, flags, flag values, refs.
import t from 'tap';
import { Command, Option } from 'commander';
import { complete, format, type Line, type Sources } from '../../../cli/completion.js';

function program(): Command {
  const p = new Command('nsinspect')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']))
    .option('-n, --namespace <namespace>', 'ns')
    .option('-A, --all-namespaces', 'all')
    .option('--kubeconfig <path>', 'kc')
    .option('--context <name>', 'ctx')
    .option('--as <user>', 'as')
    .option('--as-group <group>', 'as group');
  p.command('diff').description('compare').argument('<target>').argument('<debugger>').option('--target <container>', 't').option('--expect-shared <types>', 'e');
  p.command('ps').description('processes').argument('<ref>').option('-c, --container <name>', 'c');
  p.command('exec').description('run').argument('<ref>').argument('<command...>').option('--ns <list>', 'ns').option('-i, --stdin', 'i').option('-t, --tty', 't');
  p.command('lsns').description('every namespace').option('-t, --type <types>', 'types');
  p.command('completion').description('script').argument('<shell>');
  p.command('__complete', { hidden: true });
  return p;
}

const seen: Line[] = [];
const src: Sources = {
  namespaces: async () => ['default', 'shop'],
  pods: async (l) => (seen.push(l), l.namespace === 'shop' ? ['web', 'worker'] : ['other']),
  containers: async (_l, pod) => (pod === 'web' ? ['debugger', 'app'] : []),
  nodes: async () => ['node-a'],
  contexts: async () => ['prod', 'staging'],
  containerIDs: async () => ['3f2a9c0b1d4e' + '0'.repeat(52)],
};
const run = async (...words: string[]) => format(await complete(program(), words, src));

t.test('subcommands, with descriptions, hidden ones left out', async (t) => {
  t.equal(await run(''), 'diff\tcompare\nps\tprocesses\nexec\trun\nlsns\tevery namespace\ncompletion\tscript\n:4\n');
  t.equal(await run('-n', 'shop', 'p'), 'ps\tprocesses\n:4\n', 'after a global flag and its value');
});

t.test('flags of the command and the globals', async (t) => {
  t.equal(await run('ps', '--c'), '--container\tc\n--context\tctx\n:4\n');
});

t.test("a flag's values", async (t) => {
  t.equal(await run('ps', 'web', '-o', ''), 'table\nwide\njson\nyaml\nname\njsonpath=\n:4\n', '-o: every format kubectl users know');
  t.equal(await run('ps', '--output=j'), '--output=json\n--output=jsonpath=\n:4\n', '--flag=value');
  t.equal(await run('--context', ''), 'prod\nstaging\n:4\n');
  t.equal(await run('-n', 's'), 'shop\n:4\n');
  t.equal(await run('lsns', '-t', 'net,u'), 'net,user\nnet,uts\n:6\n', 'a comma list: the last item, no space after it');
  t.equal(await run('exec', 'web', '--ns', 'to'), 'tools\n:6\n');
  t.equal(await run('exec', 'web', '--ns', 'tools,'), ':6\n', 'tools takes no more types');
  t.equal(await run('ps', 'web', '-c', ''), 'debugger\napp\n:4\n', "the pod's containers");
  t.equal(await run('--kubeconfig', ''), ':0\n', 'paths: the shell completes files');
});

t.test('refs: pods in the namespace on the line, container/ IDs, a debugger', async (t) => {
  seen.length = 0;
  t.equal(await run('ps', '-n', 'shop', '--context', 'prod', '--kubeconfig', '/k', 'w'), 'web\nworker\n:4\n');
  t.same(seen[0], { namespace: 'shop', context: 'prod', kubeconfig: '/k', positionals: [] }, 'the flags on the line pick the cluster');
  seen.length = 0;
  await run('ps', '--as', 'bob', '--as-group', 'viewers', '--as-group=oncall', '-n', 'shop', 'w');
  t.same(seen[0], { as: 'bob', asGroups: ['viewers', 'oncall'], namespace: 'shop', positionals: [] }, '--as and --as-group: asked as kubectl completes, impersonating');
  t.equal(await run('ps', '-nshop', 'w'), 'web\nworker\n:4\n', '-nNAME');
  t.equal(await run('diff', '-n', 'shop', 'web', ''), 'debugger\napp\n:4\n', 'the second word of diff: a container of the pod');
  t.equal(await run('ps', 'c'), 'container/\n:6\n', 'a ref prefix, no space after it');
  t.equal(await run('ps', 'container/3f'), 'container/3f2a9c0b1d4e\n:4\n', 'IDs on this node, 12 characters');
  t.equal(await run('exec', 'web', '--', 'l'), ':0\n', 'after --: the command, files');
  t.equal(await run('completion', ''), 'bash\nzsh\nfish\n:4\n');
  t.equal(await run('ps', 'web', ''), ':4\n', 'no second ref');
});
