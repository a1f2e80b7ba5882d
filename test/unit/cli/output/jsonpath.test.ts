// kubectl's JSONPath template subset: what -o jsonpath=… prints for the shapes users pipe.
import t from 'tap';
import { compileJsonPath, JsonPathError } from '../../../../cli/output/jsonpath.js';

const data = { items: [{ name: 'a', n: 1, tags: ['x', 'y'] }, { name: 'b', n: 2, tags: [] }], meta: { 'odd.key': 'v', obj: { k: 1 } } };

t.test('paths, wildcards, indexes and literals', async (t) => {
  const cases: Array<[string, string]> = [
    ['{.items[*].name}', 'a b'],
    ['{.items[0].name}', 'a'],
    ['{.items[-1].n}', '2'],
    ['{.items[0:1].name}', 'a'],
    ["{.meta['odd.key']}", 'v'],
    ['{.meta.obj}', '{"k":1}'],
    ['{$.items[1].name}', 'b'],
    ['name={.items[0].name}!', 'name=a!'],
    ['{.missing.field}', ''],
    ['{range .items[*]}{.name}{"\\t"}{.n}{"\\n"}{end}', 'a\t1\nb\t2\n'],
    ['{range .items[*]}[{range .tags[*]}{@} {end}]{end}', '[x y ][]'],
  ];
  for (const [tpl, want] of cases) t.equal(compileJsonPath(tpl)(data), want, tpl);
});

t.test('bad templates are refused when compiled', async (t) => {
  for (const bad of ['{.items[', '{range .items[*]}{.name}', '{end}', '{items}', '{.items[?(@.n>1)]}', '{.a']) {
    let err: unknown;
    try {
      compileJsonPath(bad);
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof JsonPathError, bad);
  }
});
