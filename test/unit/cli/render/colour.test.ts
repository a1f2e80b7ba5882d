// Colour: only on a terminal without NO_COLOR, and only on what a reader looks for first.
import t from 'tap';
import { colourize, paint, useColour } from '../../../../cli/render/colour.js';

t.test('useColour: a terminal, NO_COLOR unset or empty, TERM not dumb', async (t) => {
  t.equal(useColour({ isTTY: true }, { TERM: 'xterm' }), true);
  t.equal(useColour({ isTTY: false }, { TERM: 'xterm' }), false, 'a pipe or a file');
  t.equal(useColour({}, {}), false);
  t.equal(useColour({ isTTY: true }, { TERM: 'xterm', NO_COLOR: '1' }), false, 'NO_COLOR');
  t.equal(useColour({ isTTY: true }, { TERM: 'xterm', NO_COLOR: '' }), true, 'an empty NO_COLOR is unset (no-color.org)');
  t.equal(useColour({ isTTY: true }, { TERM: 'dumb' }), false);
});

t.test('colourize marks SHARED, findings (wrapped ones whole), mismatches and refused ops', async (t) => {
  const text = [
    'TYPE    TARGET  DEBUGGER  SHARED  WITH',
    'net     1       1         yes     sandbox',
    'mnt     2       3         no      private',
    '',
    '* a finding that was',
    '  wrapped',
    '! not as predicted [cause]',
    '',
    '  capture-packets  no (NO_CAP_NET_RAW)',
    '  signal           yes',
  ].join('\n');
  t.equal(colourize(text), [
    'TYPE    TARGET  DEBUGGER  SHARED  WITH',
    'net     1       1         \x1b[32myes\x1b[0m     sandbox',
    'mnt     2       3         \x1b[33mno\x1b[0m      private',
    '',
    '\x1b[1m* a finding that was\x1b[0m',
    '\x1b[1m  wrapped\x1b[0m',
    '\x1b[31m! not as predicted [cause]\x1b[0m',
    '',
    '  capture-packets  \x1b[31mno (NO_CAP_NET_RAW)\x1b[0m',
    '  signal           yes',
  ].join('\n'));
  t.equal(paint(text, false), text, 'off: the text unchanged');
});

t.test('access: each verdict and each check of a walk; lsns: the owning container', async (t) => {
  const text = [
    'OP               ALLOWED                WHY',
    'see-processes    yes',
    'ptrace           no (NO_CAP_SYS_PTRACE)  the debugger lacks CAP_SYS_PTRACE',
    'read-environ     unknown (NO_YAMA)       cannot tell',
    '',
    'ptrace: no (NO_CAP_SYS_PTRACE)',
    '  the debugger lacks CAP_SYS_PTRACE',
    '   1. pass    same pid namespace: yes',
    '   2. fail    CAP_SYS_PTRACE: not in the effective set',
    '   3. note    Yama: scope 1',
    '',
    'NS          TYPE  NPROCS  PID  USER  CONTAINER     COMMAND',
    '4026531836  pid   120     1    root  -             /sbin/init',
    '4026532290  net   2       812  root  3f2a9c0b1d4e  sleep 3600',
  ].join('\n');
  t.equal(colourize(text), [
    'OP               ALLOWED                WHY',
    'see-processes    \x1b[32myes\x1b[0m',
    'ptrace           \x1b[31mno (NO_CAP_SYS_PTRACE)\x1b[0m  the debugger lacks CAP_SYS_PTRACE',
    'read-environ     \x1b[33munknown (NO_YAMA)\x1b[0m       cannot tell',
    '',
    'ptrace: \x1b[31mno (NO_CAP_SYS_PTRACE)\x1b[0m',
    '  the debugger lacks CAP_SYS_PTRACE',
    '   1. \x1b[32mpass\x1b[0m    same pid namespace: yes',
    '   2. \x1b[31mfail\x1b[0m    CAP_SYS_PTRACE: not in the effective set',
    '   3. note    Yama: scope 1',
    '',
    'NS          TYPE  NPROCS  PID  USER  CONTAINER     COMMAND',
    '4026531836  pid   120     1    root  -             /sbin/init',
    '4026532290  net   2       812  root  \x1b[36m3f2a9c0b1d4e\x1b[0m  sleep 3600',
  ].join('\n'));
});
