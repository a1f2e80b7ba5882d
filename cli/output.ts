// Writes a command's data to stdout, as JSON or through its table renderer.
export interface OutputOptions {
  output: 'table' | 'json';
}

export function print<T>(data: T, opts: OutputOptions, render: (d: T) => string): void {
  process.stdout.write(opts.output === 'json' ? JSON.stringify(data, null, 2) + '\n' : render(data));
}
