#!/usr/bin/env node
// The nsinspect command line: parses arguments, loads only the command it runs, maps errors to exit codes.
import { basename } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { NsinspectError } from '../agent/model/errors.js';
import { exitCodeForError, formatError } from './errors.js';
import { routesLocal } from './refs.js';
import { EXEC_LIMITS, VERSION } from '../agent/protocol/protocol.js';
import type { ClusterFlags } from './commands/cluster.js';
import { FORMATS, parseOutput } from './output/format.js';
import { parseRequestTimeout } from './cluster/overrides.js';

/** As a kubectl plugin (kubectl-nsinspect on PATH), help names the command as the user types it. */
const NAME = basename(process.argv[1] ?? '').startsWith('kubectl-') ? 'kubectl nsinspect' : 'nsinspect';
/** Commands where -A means something (ns only with -l); elsewhere it is refused rather than ignored. */
const ALL_NAMESPACES = new Set(['ephemeral']);
const SELECTOR = "only pods with these labels, in kubectl's syntax: app=web,tier!=db, 'env in (a,b)', '!canary'";

/** --request-timeout in ms; a bad value is a usage error with kubectl's explanation. */
function timeoutArg(text: string): number {
  try {
    return parseRequestTimeout(text);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

const program = new Command(NAME)
  .description('Which Linux namespaces does a kubectl debug container really share with its target?')
  .version(VERSION)
  .addOption(new Option('-o, --output <format>', `output format: ${FORMATS.join(', ')}`).argParser(parseOutput).default(parseOutput('table'), 'table'))
  .option('--no-headers', 'table output without its header rows')
  .option('-n, --namespace <namespace>', "the pod's namespace (default: the kubeconfig context's)")
  .option('-A, --all-namespaces', 'every namespace (ephemeral)')
  .option('--kubeconfig <path>', 'kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
  .option('--context <name>', 'kubeconfig context')
  .option('--token <token>', 'bearer token for the agent; shows in ps, so prefer --token-file or NSINSPECT_TOKEN (first of --token, --token-file, NSINSPECT_TOKEN, the kubeconfig user)')
  .option('--token-file <path>', 'read the bearer token for the agent from this file')
  .option('--agent <url>', 'talk to this agent directly, skipping discovery: https, or http on loopback only (e.g. http://127.0.0.1:9742); your token goes to it')
  .option('--agent-namespace <namespace>', "the agent's namespace", 'nsinspect-system')
  .option('--agent-daemonset <name>', 'only trust agent pods controlled by this DaemonSet', 'nsinspect-agent')
  .option('--local', "answer pod refs on this node from the runtime's records, without the API server (as root)")
  .addOption(new Option('--request-timeout <duration>', 'bound each API server and agent request: whole seconds or a duration (5s, 1m, 500ms); 0 means none (default: 30 s)').argParser(timeoutArg))
  .option('--as <user>', 'impersonate this user on API server requests (kubectl --as; you need impersonate on users)')
  .option('--as-group <group>', 'impersonate this group too, with --as; repeat for more', (g: string, prev: string[] = []) => [...prev, g])
  .showSuggestionAfterError()
  // Subcommand help lists the global flags too (-n, -o, --kubeconfig…), as kubectl's does.
  .configureHelp({ showGlobalOptions: true })
  .showHelpAfterError(`(run ${NAME} --help for usage)`)
  .exitOverride()
  .addHelpText('after', `
Refs:
  NAME, pod/NAME    a pod, looked up in -n NAMESPACE; answered by the agent on
                    its node
  pid/<n>           a process on this node, by host PID (in-process, as root)
  container/<id>    a container on this node, by full ID or a unique 12+ hex
                    prefix
  NAMESPACE/POD     a pod on this node, from the runtime's records (as root);
                    so are pod refs with --local, or with no kubeconfig

Environment:
  NSINSPECT_TOKEN   bearer token for the agent, kept out of ps: used when
                    neither --token nor --token-file is given, before the
                    kubeconfig user's token
  KUBECONFIG        kubeconfig files, colon-separated; missing ones skipped

Examples:
  ${NAME} diff web debugger-abc -n shop --expect-shared pid,net
  ${NAME} ns web -n shop
  ${NAME} ps web -c app -n shop
  ${NAME} ephemeral -A
  sudo ${NAME} diff container/3f2a9c0b1d4e container/9b8c7d6e5f40
  sudo ${NAME} lsns -t net`);

// commander keeps --no-headers as headers: false.
// -A only where it means something: elsewhere a user who typed it expects an effect they will not get.
program.hook('preAction', (_root, cmd) => {
  const selected = cmd.name() === 'ns' && cmd.opts().selector !== undefined;
  if (program.opts().allNamespaces && !ALL_NAMESPACES.has(cmd.name()) && !selected) {
    throw new NsinspectError('INVALID', `-A (--all-namespaces) means nothing to ${cmd.name()}: it answers about one pod or process`, { hint: `leave -A out; it lists across namespaces only for: ${[...ALL_NAMESPACES, 'ns -l'].join(', ')}` });
  }
});

/** An Examples section for a subcommand's help, in the name the user runs us by. */
const examples = (...lines: string[]): string => `\nExamples:\n${lines.map((l) => `  ${NAME} ${l}`).join('\n')}`;

const globals = (): ClusterFlags => {
  const o = program.opts<ClusterFlags & { headers?: boolean }>();
  return { ...o, noHeaders: o.headers === false };
};
const local = () => import('./commands/local.js');
const cluster = () => import('./commands/cluster.js');

program
  .command('diff')
  .addHelpText('after', examples('diff web debugger-abc -n shop', 'diff web debugger-abc --target app --expect-shared pid,net', 'diff container/3f2a9c0b1d4e container/9b8c7d6e5f40'))
  .description("compare a debugger's namespaces with its target's, and explain them")
  .argument('<target>', 'a pod (then DEBUGGER is its debugger container), or pid/<n>, container/<id>')
  .argument('<debugger>', 'the debugger container of the pod, or pid/<n>, container/<id>')
  .option('--target <container>', "the pod's target container (default: the debugger's --target, else the only app container)")
  .option('--expect-shared <types>', 'exit 3 unless these types are shared, e.g. pid,net')
  .action(async (target: string, dbg: string, o: { target?: string; expectShared?: string }) =>
    routesLocal(target, globals()) ? (await local()).diff(target, dbg, { ...globals(), ...o }) : (await cluster()).diff(target, dbg, { ...globals(), ...o }),
  );

program
  .command('ns')
  .addHelpText('after', examples('ns web -n shop', 'ns -l app=web -n shop', 'ns web -o yaml', 'ns pid/4242 container/3f2a9c0b1d4e'))
  .description('show the namespaces of a pod (every container, sandbox included), of the pods -l selects, or of processes and containers')
  .argument('[ref...]', 'a pod, or pid/<n> and container/<id> refs; none with -l')
  .option('-l, --selector <selector>', `${SELECTOR} (with -A: in every namespace)`)
  .action(async (refs: string[], o: { selector?: string }) => {
    if (o.selector !== undefined) {
      if (refs.length > 0) throw new NsinspectError('INVALID', 'a pod name cannot be given with -l (--selector)', { hint: `leave out ${refs.join(' ')}, or -l` });
      if (program.opts<{ local?: boolean }>().local) throw new NsinspectError('INVALID', "-l selects pods through the API server; --local reads only the runtime's records", { hint: 'leave out --local, or name the pod: ns NAMESPACE/POD --local' });
      return (await cluster()).nsSelected(o.selector, globals());
    }
    const [first] = refs;
    if (first === undefined) throw new NsinspectError('INVALID', 'ns needs a ref, or -l SELECTOR', { hint: `${NAME} ns POD, or ${NAME} ns -l app=web` });
    return refs.length === 1 && !routesLocal(first, globals()) ? (await cluster()).ns(first, globals()) : (await local()).ns(refs, globals());
  });

program
  .command('ps')
  .addHelpText('after', examples('ps web -c app -n shop', 'ps web -o jsonpath=\'{range .processes[*]}{.pid}{"\\t"}{.command}{"\\n"}{end}\'', 'ps pid/4242 --no-headers'))
  .description("list the processes in a container's pid namespace, read from the host side")
  .argument('<ref>', 'a pod, or pid/<n>, container/<id>')
  .option('-c, --container <name>', "the pod's container (default: as kubectl picks it)")
  .action(async (ref: string, o: { container?: string }) =>
    routesLocal(ref, globals()) ? (await local()).ps(ref, { ...globals(), ...o }) : (await cluster()).ps(ref, { ...globals(), ...o }),
  );

program
  .command('whois')
  .addHelpText('after', examples('whois 4242', 'whois 4242 --node node-a -o json'))
  .description('which container and pod own a host PID')
  .argument('<pid>', 'a host PID')
  .option('--node <node>', "ask that node's agent (default: this node, in-process)")
  .action(async (pid: string, o: { node?: string }) =>
    o.node === undefined ? (await local()).whois(pid, globals()) : (await cluster()).whois(pid, o.node, globals()),
  );

program
  .command('ephemeral')
  .addHelpText('after', examples('ephemeral web -n shop', 'ephemeral -A --no-headers', 'ephemeral -l app=web -n shop -o name'))
  .description('the ephemeral containers of a pod, a namespace, or the cluster (-A): API only, no agent')
  .argument('[pod]', 'a pod name')
  .option('-l, --selector <selector>', SELECTOR)
  .action(async (pod: string | undefined, o: { selector?: string }) => (await cluster()).ephemeral(pod, { ...globals(), ...o }));

program
  .command('exec')
  .addHelpText('after', examples('exec web -it -- sh', 'exec web --ns net -- ss -tlnp', 'exec container/3f2a9c0b1d4e --ns all -- cat /etc/os-release'))
  .description("run a command in a container's namespaces: --ns tools (default: all but mnt, with the host's binaries and a fresh /proc), all, or a list")
  .argument('<ref>', 'a pod, or pid/<n>, container/<id>')
  .argument('<command...>', 'the command and its arguments, after --')
  .option('-c, --container <name>', "the pod's container (default: as kubectl picks it)")
  .option('--ns <list>', 'tools | all | a comma-separated list of types', 'tools')
  .option('-i, --stdin', 'pass stdin to the command')
  .option('-t, --tty', 'allocate a terminal: an interactive session (a pty over a WebSocket through the agent)')
  .option('--timeout <seconds>', `kill the command after this long (agent default ${EXEC_LIMITS.defaultTimeoutSeconds}, at most ${EXEC_LIMITS.maxTimeoutSeconds})`)
  .action(async (ref: string, command: string[], o: import('./commands/exec.js').ExecFlags) => {
    process.exitCode = await (await import('./commands/exec.js')).exec(ref, command, o, globals());
  });

program
  .command('access')
  .addHelpText('after', examples('access web debugger-abc -n shop', 'access web debugger-abc --op ptrace,read-root'))
  .description('can the debugger see, signal, ptrace, read the root and environ of, or capture packets of its target?')
  .argument('<target>', 'a pod (then DEBUGGER is its debugger container), or pid/<n>, container/<id>')
  .argument('<debugger>', 'the debugger container of the pod, or pid/<n>, container/<id>')
  .option('--target <container>', "the pod's target container (default: as diff picks it)")
  .option('--op <ops>', 'only these ops, comma-separated (see-processes,signal,ptrace,read-root,read-environ,capture-packets)')
  .action(async (target: string, dbg: string, o: { op?: string; target?: string }) => (await import('./commands/access.js')).access(target, dbg, { ...globals(), ...o }));

program
  .command('lsns')
  .addHelpText('after', examples('lsns', 'lsns -t net,pid -o json'))
  .description('every namespace on this node, like lsns, with the container that owns it')
  .option('-t, --type <types>', 'only these types, comma-separated (cgroup,ipc,mnt,net,pid,time,user,uts)')
  .action(async (opts: { type?: string }) => (await local()).lsns(opts.type, globals()));

program
  .command('agent')
  .description('run the node agent: the HTTP API and Prometheus metrics (the DaemonSet entrypoint)')
  .addOption(new Option('--listen <host:port>', 'API address; keep it on loopback inside the pod').env('NSINSPECT_LISTEN').default('127.0.0.1:9742'))
  .addOption(new Option('--metrics-listen <host:port|off>', 'metrics address, or off').env('NSINSPECT_METRICS_LISTEN').default('0.0.0.0:9743'))
  .addOption(new Option('--node-name <name>', 'this node, as the API knows it').env('NODE_NAME'))
  .addOption(new Option('--kubeconfig <path>', 'Kubernetes config (default: in-cluster, then KUBECONFIG, then ~/.kube/config)').env('NSINSPECT_KUBECONFIG'))
  .addOption(new Option('--auth <mode>', 'kubernetes: TokenReview + SubjectAccessReview; none: loopback only').choices(['kubernetes', 'none']).env('NSINSPECT_AUTH').default('kubernetes'))
  .addOption(new Option('--metrics-container-inodes', 'export nsinspect_container_namespace_info (high cardinality)').env('NSINSPECT_METRICS_CONTAINER_INODES').default(false))
  .addOption(new Option('--metrics-auth <mode>', 'kubernetes: /metrics needs a token allowed get on the nonResourceURL /metrics (as kube-rbac-proxy); none: open').choices(['kubernetes', 'none']).env('NSINSPECT_METRICS_AUTH').default('none'))
  .addOption(new Option('--metrics-pod-labels', "export the per-pod metrics (namespace and pod labels: every pod's name on the node); implied by --metrics-container-inodes").env('NSINSPECT_METRICS_POD_LABELS').default(false))
  .addOption(new Option('--metrics-cache <seconds>', 'reuse a rendered /metrics this long, so a scrape storm costs one render (0: off)').env('NSINSPECT_METRICS_CACHE').default('2'))
  .addOption(new Option('--node-scan-interval <seconds>', 'how often node-wide counts are refreshed').env('NSINSPECT_NODE_SCAN_INTERVAL').default('30'))
  .addOption(new Option('--node-full-scan-interval <seconds>', "how often those counts re-read every process's namespaces (in between, new processes only): a live process's setns/unshare shows within this long").env('NSINSPECT_NODE_FULL_SCAN_INTERVAL').default('300'))
  .addOption(new Option('--max-exec-sessions <n>', 'exec sessions at once; the next gets 429').env('NSINSPECT_MAX_EXEC_SESSIONS').default('8'))
  .addOption(new Option('--exec-idle-timeout <seconds>', 'an interactive session with no input or output this long is ended').env('NSINSPECT_EXEC_IDLE_TIMEOUT').default('900'))
  .addOption(new Option('--token-audience <aud>', 'accept only tokens minted for this audience (kubectl create token --audience <aud>)').env('NSINSPECT_TOKEN_AUDIENCE'))
  .addOption(new Option('--max-exec-sessions-per-user <n>', 'exec sessions one user may hold at once; the last free slot goes only to a user holding none').env('NSINSPECT_MAX_EXEC_SESSIONS_PER_USER').default('2'))
  .addOption(new Option('--exec-max-lifetime <seconds>', 'an interactive session ends after this long, busy or not').env('NSINSPECT_EXEC_MAX_LIFETIME').default('14400'))
  .addOption(new Option('--exec-cgroup-parent <path>', 'cgroup to create nsinspect-sessions/<session> under (default: beside the agent\'s own)').env('NSINSPECT_EXEC_CGROUP_PARENT'))
  .addOption(new Option('--exec-cgroup-dir <dir>', 'a writable cgroup v2 directory to create sessions in, instead (the DaemonSet mounts the host\'s /sys/fs/cgroup/nsinspect-exec there)').env('NSINSPECT_EXEC_CGROUP_DIR'))
  // --kubeconfig is also a global flag, and commander gives it to the program: take it from there.
  .action(async (opts: import('./commands/agent.js').AgentFlags) =>
    (await import('./commands/agent.js')).agent({ ...opts, kubeconfig: opts.kubeconfig ?? globals().kubeconfig ?? process.env.NSINSPECT_KUBECONFIG }),
  );

program
  .command('version')
  .addHelpText('after', examples('version', 'version --client', 'version -o json'))
  .description("print this client's version and, with a kubeconfig or --agent, the version of an agent it reaches")
  .option('--client', "this client's version only: reach no agent")
  .action(async (o: { client?: boolean }) => (await import('./commands/version.js')).version(VERSION, { ...globals(), ...o }));

program
  .command('completion')
  .description('print a shell completion script: bash, zsh or fish (source <(nsinspect completion bash))')
  .argument('<shell>', 'bash, zsh or fish')
  .action(async (shell: string) => (await import('./commands/completion.js')).completion(shell));

/** The scripts' callback (`nsinspect __complete WORDS… CURRENT`), answered before commander parses: the words are a partial line. */
async function completeLine(args: string[]): Promise<number> {
  const [{ complete, format }, { loadSources }] = await Promise.all([import('./completion.js'), import('./completion-sources.js')]);
  const text = format(await complete(program, args, loadSources()));
  await new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));
  // An API request cut off by the timeout may still hold a socket: do not wait for it.
  process.exit(0);
}

/**
 * A reader that went away (`nsinspect lsns | head -1`) ends the CLI quietly with exit 0: the
 * reader has what it wanted. (Tools killed by SIGPIPE exit 141, which fails a `set -o pipefail`
 * script for no fault of ours.) Once per process: help-build.ts imports this module many times.
 */
function quietOnClosedOutput(): void {
  const flag = Symbol.for('nsinspect.closed-output');
  const g = globalThis as Record<symbol, unknown>;
  if (g[flag]) return;
  g[flag] = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') process.stderr.write(`nsinspect: writing the output: ${err.message}\n`);
    process.exit(err.code === 'EPIPE' ? 0 : 1);
  });
  // Nowhere left to say anything: do not die of it.
  process.stderr.on('error', () => undefined);
}

async function main(): Promise<number> {
  quietOnClosedOutput();
  if (process.argv[2] === '__complete') return completeLine(process.argv.slice(3));
  // As a kubectl plugin (kubectl-nsinspect), kubectl passes its own name first; nothing to strip.
  // A bare nsinspect is a request for help, as with kubectl: on stdout, exit 0.
  if (process.argv.length <= 2) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync(process.argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every other parse failure is a usage error, already printed.
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(formatError(err) + '\n');
    return exitCodeForError(err);
  }
}

/**
 * Settles once the command is done (help-build.ts awaits it). Not a top-level await: the same
 * program is also bundled as one CommonJS file (scripts/bundle.mjs), which cannot hold one.
 */
export const done: Promise<void> = main().then((code) => {
  process.exitCode = code;
});
