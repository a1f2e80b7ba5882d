// Shell completion scripts for bash and zsh, generated from the command definitions.
import type { Command } from 'commander';
import { NsinspectError } from '../../agent/errors.js';

export function completion(shell: string, program: Command): void {
  const commands = program.commands.map((c) => c.name());
  const flags = (c: Command): string[] => c.options.flatMap((o) => [o.short, o.long].filter((x): x is string => Boolean(x)));
  const global = flags(program);
  if (shell === 'bash') {
    const cases = program.commands.map((c) => `    ${c.name()}) opts="${[...flags(c), ...global].join(' ')}" ;;`).join('\n');
    process.stdout.write(`# bash completion for nsinspect; load with: source <(nsinspect completion bash)
_nsinspect() {
  local cur cmd opts
  cur="\${COMP_WORDS[COMP_CWORD]}"
  cmd="\${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then COMPREPLY=( $(compgen -W "${commands.join(' ')}" -- "$cur") ); return; fi
  case "$cmd" in
${cases}
    *) opts="${global.join(' ')}" ;;
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W "$opts" -- "$cur") ); return; fi
  case "\${COMP_WORDS[COMP_CWORD-1]}" in
    -n|--namespace) COMPREPLY=( $(compgen -W "$(kubectl get ns -o name 2>/dev/null | sed 's|^namespace/||')" -- "$cur") ) ;;
    -o|--output) COMPREPLY=( $(compgen -W "table json" -- "$cur") ) ;;
    *) COMPREPLY=( $(compgen -W "$(kubectl get pods -o name 2>/dev/null | sed 's|^pod/||')" -- "$cur") ) ;;
  esac
}
complete -F _nsinspect nsinspect kubectl-nsinspect
`);
    return;
  }
  if (shell === 'zsh') {
    const lines = program.commands.map((c) => `    '${c.name()}:${c.description().replaceAll("'", '').replaceAll(':', ' -')}'`).join('\n');
    process.stdout.write(`#compdef nsinspect kubectl-nsinspect
# zsh completion for nsinspect; load with: source <(nsinspect completion zsh)
_nsinspect() {
  local -a commands
  commands=(
${lines}
  )
  if (( CURRENT == 2 )); then _describe 'command' commands; return; fi
  case "$words[CURRENT-1]" in
    -n|--namespace) compadd -- \${(f)"$(kubectl get ns -o name 2>/dev/null | sed 's|^namespace/||')"} ;;
    -o|--output) compadd table json ;;
    *) compadd -- \${(f)"$(kubectl get pods -o name 2>/dev/null | sed 's|^pod/||')"} ${global.join(' ')} ;;
  esac
}
compdef _nsinspect nsinspect kubectl-nsinspect
`);
    return;
  }
  throw new NsinspectError('INVALID', `no completion for shell ${JSON.stringify(shell)}`, { hint: 'use bash or zsh' });
}
