// -o for every command: parses the format once (table, wide, json, yaml, name, jsonpath=…) and writes a command's data in it.
import { InvalidArgumentError } from 'commander';
import { NsinspectError } from '../../agent/model/errors.js';
import { setNoHeaders, setWide, visibleLines } from '../render/table.js';
import { compileJsonPath, JsonPathError } from './jsonpath.js';
import { paint } from '../render/colour.js';

export type OutputFormat =
  | { kind: 'table' | 'wide' | 'json' | 'yaml' | 'name' }
  | { kind: 'jsonpath'; template: string; run: (data: unknown) => string };

export const FORMATS = ['table', 'wide', 'json', 'yaml', 'name', 'jsonpath=TEMPLATE'];

/**
 * The -o value, as kubectl takes it: `-o json`, `-o=json`, `-ojson`, `--output=json`; jsonpath with
 * `=` or `-o jsonpath '…'`-less forms only. Anything else is a usage error naming the allowed ones.
 * Throws commander's InvalidArgumentError, so commander prints it and the CLI exits 2.
 */
export function parseOutput(text: string): OutputFormat {
  const v = text.replace(/^=/, '');
  if (v.startsWith('jsonpath=')) {
    const template = v.slice('jsonpath='.length);
    try {
      return { kind: 'jsonpath', template, run: compileJsonPath(template) };
    } catch (err) {
      if (err instanceof JsonPathError) throw new InvalidArgumentError(`bad jsonpath template: ${err.message}`);
      throw err;
    }
  }
  if (v === 'table' || v === 'wide' || v === 'json' || v === 'yaml' || v === 'name') return { kind: v };
  const why = v === 'jsonpath' ? 'jsonpath needs a template, e.g. -o jsonpath=\'{.items[*].name}\'' : /^go-template|^custom-columns|^template/.test(v) ? `${v.split('=')[0]} is not supported` : `unknown output format ${JSON.stringify(v)}`;
  throw new InvalidArgumentError(`${why}; allowed: ${FORMATS.join(', ')}`);
}

export interface OutputOptions {
  /** A parsed format; a bare name ('json') is accepted for callers that build options by hand. */
  output: OutputFormat | OutputFormat['kind'];
  /** --no-headers: table outputs leave out their header rows. */
  noHeaders?: boolean;
}

/** What a command can offer beyond its table: the refs -o name prints. */
export interface PrintExtras<T> {
  names?: (d: T) => string[];
}

/** ps rows as refs: pid/<host pid>, which every node-local command takes. */
export const psNames: PrintExtras<{ processes: Array<{ pid: number }> }> = { names: (d) => d.processes.map((p) => `pid/${p.pid}`) };

const formatOf = (o: OutputOptions['output']): OutputFormat => (typeof o === 'string' ? parseOutput(o) : o);

/** -o wide: renderers that have more columns show them. */
export const isWide = (o: OutputOptions): boolean => formatOf(o.output).kind === 'wide';

/**
 * JSON is indented for a terminal and compact in a pipe: the same stable shape either way; YAML
 * and jsonpath read that same shape. Tables (and wide: uncut, with any wide columns) escape their cells
 * (render/table.ts); the rendered text goes through the same escaping once more, so the free-text
 * lines around tables (findings, headings) cannot carry ESC either.
 */
export async function print<T>(data: T, opts: OutputOptions, render: (d: T) => string, extras: PrintExtras<T> = {}): Promise<void> {
  const f = formatOf(opts.output);
  switch (f.kind) {
    case 'json':
      process.stdout.write(JSON.stringify(data, null, process.stdout.isTTY ? 2 : undefined) + '\n');
      return;
    case 'yaml': {
      const { dump } = await import('js-yaml');
      process.stdout.write(dump(JSON.parse(JSON.stringify(data)), { noRefs: true, lineWidth: -1 }));
      return;
    }
    case 'jsonpath':
      // As kubectl: the template's own text decides the line breaks; none is added.
      process.stdout.write(f.run(JSON.parse(JSON.stringify(data))));
      return;
    case 'name':
      if (!extras.names) throw new NsinspectError('INVALID', '-o name is not offered by this command: it has no refs to name', { hint: `use -o json, or -o jsonpath=… to pick fields` });
      process.stdout.write(extras.names(data).map((n) => n + '\n').join(''));
      return;
    default: {
      setNoHeaders(opts.noHeaders === true);
      setWide(f.kind === 'wide');
      process.stdout.write(paint(visibleLines(render(data))));
    }
  }
}
