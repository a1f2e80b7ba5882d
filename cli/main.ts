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
