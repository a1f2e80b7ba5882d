// Import rules checked in CI (npm run check:cycles): no cycles, and the layers point one way (docs/internals.md has the map).
/** @type {import('dependency-cruiser').IConfiguration} */
const below = (layer, allowed) => ({
  name: `layer-${layer}`,
  severity: 'error',
  comment: `agent/${layer} may import only ${allowed.length ? allowed.map((a) => `agent/${a}`).join(', ') : 'itself'} and agent/model (issue 12).`,
  from: { path: `^agent/${layer}/` },
  to: { path: '^agent/', pathNot: [`^agent/(${[layer, 'model', ...allowed].join('|')})/`] },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes import order matter and hides layering mistakes (issue 12).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'model-imports-nothing',
      severity: 'error',
      comment: 'agent/model holds plain types and values: it imports nothing of ours but itself.',
      from: { path: '^agent/model/' },
      to: { path: '^(agent|cli|lab|bench|test)/', pathNot: '^agent/model/' },
    },
    below('procfs', []),
    below('discovery', ['procfs']),
    below('analysis', []),
    below('kube', []),
    below('inspect', ['procfs', 'discovery', 'analysis']),
    // exec is the agent's end of the attach protocol (frames, limits): it sits beside the server, above protocol.
    below('exec', ['procfs', 'protocol']),
    below('protocol', []),
    {
      name: 'cli-through-inspect-exec-protocol',
      severity: 'error',
      comment: 'The CLI reaches the agent only through inspect (node-local answers), exec, protocol and model; `nsinspect agent` alone starts the server.',
      from: { path: '^cli/', pathNot: '^cli/commands/agent\\.ts$' },
      to: { path: '^agent/', pathNot: '^agent/(inspect|exec|protocol|model)/' },
    },
    {
      name: 'agent-not-above',
      severity: 'error',
      comment: 'The agent never imports the CLI, the lab, the benchmarks or the tests.',
      from: { path: '^agent/' },
      to: { path: '^(cli|lab|bench|test)/' },
    },
    {
      name: 'tests-not-from-bench',
      severity: 'error',
      comment: 'Tests import the code and their helpers, never a benchmark.',
      from: { path: '^test/' },
      to: { path: '^bench/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
