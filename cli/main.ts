#!/usr/bin/env node
// The nsinspect command line: parses arguments, loads the command it needs, maps errors to exit codes.
import { Command, CommanderError, Option } from 'commander';
import { exitCodeOf, formatError } from './errors.js';

export type OutputFormat = 'table' | 'json';
export interface GlobalOptions {
  output: OutputFormat;
}

const program = new Command('nsinspect')
  .description('Which Linux namespaces does a kubectl debug container really share with its target?')
  .version('0.1.0')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
  .showSuggestionAfterError()
  .exitOverride()
  .addHelpText('after', `
Refs on this node (no cluster needed, run as root):
  pid/<n>                 a process, by host PID
  container/<id>          a container, by full ID or a unique prefix of 12+ hex characters

Examples:
  nsinspect diff container/3f2a9c0b1d4e container/9b8c7d6e5f40
  nsinspect ps container/3f2a9c0b1d4e
  nsinspect lsns -t net`);

const globals = (): GlobalOptions => program.opts<GlobalOptions>();
const local = () => import('./commands/local.js');

program
  .command('ns')
  .description("show the namespaces of one or more processes or containers")
  .argument('<ref...>', 'pid/<n> or container/<id>')
  .action(async (refs: string[]) => (await local()).ns(refs, globals()));

program
  .command('diff')
  .description("compare a debugger's namespaces with its target's, and explain them")
  .argument('<target>', 'pid/<n> or container/<id>')
  .argument('<debugger>', 'pid/<n> or container/<id>')
  .action(async (target: string, dbg: string) => (await local()).diff(target, dbg, globals()));

program
  .command('ps')
  .description("list the processes in a container's pid namespace, from the host side")
  .argument('<ref>', 'pid/<n> or container/<id>')
  .action(async (ref: string) => (await local()).ps(ref, globals()));

program
  .command('whois')
  .description('which container and pod own a host PID')
  .argument('<pid>', 'a host PID')
  .action(async (pid: string) => (await local()).whois(pid, globals()));

program
  .command('lsns')
  .description('every namespace on the node, like lsns, with the container that owns it')
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
  .addOption(new Option('--node-scan-interval <seconds>', 'how often node-wide counts are refreshed').env('NSINSPECT_NODE_SCAN_INTERVAL').default('30'))
  .action(async (opts: { listen: string; metricsListen: string; nodeName?: string; kubeconfig?: string; auth: 'kubernetes' | 'none'; metricsContainerInodes: boolean; nodeScanInterval: string }) =>
    (await import('./commands/agent.js')).agent(opts),
  );

async function main(): Promise<number> {
  try {
    await program.parseAsync(process.argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every other parse failure is a usage error, already printed.
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(formatError(err) + '\n');
    return exitCodeOf(err);
  }
}

process.exitCode = await main();
