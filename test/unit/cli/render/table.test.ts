// Control characters in table cells and rendered text are shown as escapes, never passed to the terminal.
import t from 'tap';
import { keyValues, setWide, table, visible, visibleLines } from '../../../../cli/render/table.js';

const HOSTILE = 'sh\x1b[2J\x1b]0;pwned\x07 a\tb\nc\rd\x7f\x9b31m\u202eevil\x00';

t.test('visible escapes C0, DEL, C1, ESC and bidi overrides', async (t) => {
  t.equal(visible(HOSTILE), 'sh\\x1b[2J\\x1b]0;pwned\\x07 a\\tb\\nc\\rd\\x7f\\x9b31m\\u202eevil\\x00');
  t.equal(visible('plain café ✓ → app'), 'plain café ✓ → app', 'printable text, accents and arrows stay');
  t.equal(visibleLines('a\x1b[2J\nb\tc\n'), 'a\\x1b[2J\nb\\tc\n', 'visibleLines keeps its own line breaks');
});

t.test('table and keyValues escape every cell, and align on the escaped text', async (t) => {
  const out = table(['PID', 'COMMAND'], [['1', HOSTILE], ['22\n33', 'ok']]);
  t.notMatch(out, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/, 'no control byte but the line breaks');
  t.equal(out.split('\n').length, 4, 'a newline in a cell cannot add a row');
  t.match(out, /^22\\n33  ok$/m, 'columns aligned on the escaped width');
  t.match(out, /^1       sh\\x1b\[2J/m);
  const kv = keyValues([['command', 'x\x1b]0;t\x07'], ['pid', '1']]);
  t.equal(kv, 'command:  x\\x1b]0;t\\x07\npid:      1\n');
});

t.test('a row with more cells than headers is printed whole, its extra cells unpadded', async (t) => {
  t.equal(table(['A', 'B'], [['x', 'y', 'z', 'w']]), 'A  B\nx  y  z  w\n');
});

t.test('-o wide: no line is cut at the width', async (t) => {
  t.teardown(() => setWide(false));
  const rows = [['a', 'x'.repeat(30)]];
  t.equal(table(['K', 'V'], rows, { width: 10 }), 'K  V\na  xxxxxx…\n', 'cut at the width');
  setWide(true);
  t.equal(table(['K', 'V'], rows, { width: 10 }), `K  V\na  ${'x'.repeat(30)}\n`, 'whole with -o wide');
});
