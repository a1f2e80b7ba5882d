// `nsinspect completion bash|zsh|fish`: scripts that ask `nsinspect __complete` for every candidate, as cobra's do.
import { NsinspectError } from '../../agent/model/errors.js';

// Each script sends the words before the cursor and the current word; the answer is one
// candidate a line ("value<TAB>description"), then ":<directive>" (cobra's bits: 1 error,
// 2 no space, 4 no file completion).
const BASH = `# bash completion for nsinspect; load with: source <(nsinspect completion bash)
_nsinspect() {
  local cur words cword
  if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
    _get_comp_words_by_ref -n =: cur words cword
  else
    cur=\${COMP_WORDS[COMP_CWORD]} words=("\${COMP_WORDS[@]}") cword=$COMP_CWORD
  fi
  local out directive values v
  out=$("\${words[0]}" __complete "\${words[@]:1:cword-1}" "$cur" 2>/dev/null) || return
  directive=\${out##*:}
  values=""
  if [[ $out == *$'\\n'* ]]; then values=\${out%$'\\n'*}; fi
  if (( directive & 1 )); then return 0; fi
  COMPREPLY=()
  local IFS=$'\\n'
  for v in $values; do
    v=\${v%%$'\\t'*}
    # "--output=" is split by bash at "="; the candidates then replace only what follows it.
    if [[ $cur == *=* && $COMP_WORDBREAKS == *=* ]]; then v=\${v#*=}; fi
    COMPREPLY+=("$v")
  done
  # compopt fails outside a completion (a script calling this): not an error here.
  if (( directive & 2 )); then compopt -o nospace 2>/dev/null || true; fi
  if (( \${#COMPREPLY[@]} == 0 && !(directive & 4) )); then compopt -o default 2>/dev/null || true; fi
  return 0
}
complete -F _nsinspect nsinspect kubectl-nsinspect
`;

const ZSH = `#compdef nsinspect kubectl-nsinspect
# zsh completion for nsinspect; load with: source <(nsinspect completion zsh)
_nsinspect() {
  local out directive l tab=$'\\t'
  local -a lines described
  out=$("\${words[1]}" __complete "\${(@)words[2,CURRENT-1]}" "\${words[CURRENT]}" 2>/dev/null) || return 1
  lines=("\${(@f)out}")
  directive=\${lines[-1]#:}
  (( directive & 1 )) && return 1
  for l in "\${(@)lines[1,-2]}"; do
    # "value<TAB>description" becomes _describe's "value:description", a colon in the value escaped.
    if [[ $l == *$tab* ]]; then described+=("\${\${l%%$tab*}//:/\\\\:}:\${l#*$tab}")
    else described+=("\${l//:/\\\\:}"); fi
  done
  if (( \${#described} == 0 )); then
    (( directive & 4 )) || _files
    return
  fi
  if (( directive & 2 )); then _describe -t values 'values' described -S ''
  else _describe -t values 'values' described; fi
}
if [[ "\${funcstack[1]}" == _nsinspect ]]; then _nsinspect "$@"; else compdef _nsinspect nsinspect kubectl-nsinspect; fi
`;

const FISH = `# fish completion for nsinspect; load with: nsinspect completion fish | source
function __nsinspect_complete
    set -l args (commandline -opc)
    set -l cmd $args[1]
    set -e args[1]
    set -l cur (commandline -ct)
    set -l out ($cmd __complete $args $cur 2>/dev/null)
    or return
    set -l directive (string replace -r '^:' '' -- $out[-1])
    set -e out[-1]
    test (math "bitand($directive, 1)") -eq 1; and return
    if test (count $out) -eq 0
        test (math "bitand($directive, 4)") -eq 0; and __fish_complete_path $cur
        return
    end
    printf '%s\\n' $out
end
complete -c nsinspect -f -a '(__nsinspect_complete)'
complete -c kubectl-nsinspect -f -a '(__nsinspect_complete)'
`;

const SCRIPTS: Record<string, string> = { bash: BASH, zsh: ZSH, fish: FISH };

export function completion(shell: string): void {
  const script = SCRIPTS[shell];
  if (script === undefined) throw new NsinspectError('INVALID', `no completion for shell ${JSON.stringify(shell)}`, { hint: 'use bash, zsh or fish' });
  process.stdout.write(script);
}
