// Writes a command's data to stdout, as JSON or through its table renderer.
export interface OutputOptions {
  output: 'table' | 'json';
}

/** JSON is indented for a terminal and compact in a pipe: the same stable shape either way. */
export function print<T>(data: T, opts: OutputOptions, render: (d: T) => string): void {
  if (opts.output === 'json') process.stdout.write(JSON.stringify(data, null, process.stdout.isTTY ? 2 : undefined) + '\n');
  else process.stdout.write(render(data));
}
