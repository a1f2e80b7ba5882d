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
