// The options every command takes from the entry point (main.ts), kept apart so commands never import the entry.
import type { OutputOptions } from './output/format.js';

export type { OutputFormat } from './output/format.js';
export type GlobalOptions = OutputOptions;
