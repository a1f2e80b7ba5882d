// The options every command takes from the entry point (main.ts), kept apart so commands never import the entry.
export type OutputFormat = 'table' | 'json';
export interface GlobalOptions {
  output: OutputFormat;
}
