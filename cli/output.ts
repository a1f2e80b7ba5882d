// Writes a command's data to stdout, as JSON or through its table renderer.
import { visibleLines } from './render/table.js';
import { paint } from './render/colour.js';

export interface OutputOptions {
  output: 'table' | 'json';
}

/**
 * JSON is indented for a terminal and compact in a pipe: the same stable shape either way.
 * Tables escape their cells (render/table.ts); the rendered text goes through the same escaping
 * once more, so the free-text lines around tables (findings, headings) cannot carry ESC either.
 */
export function print<T>(data: T, opts: OutputOptions, render: (d: T) => string): void {
  if (opts.output === 'json') process.stdout.write(JSON.stringify(data, null, process.stdout.isTTY ? 2 : undefined) + '\n');
  else process.stdout.write(paint(visibleLines(render(data))));
}
