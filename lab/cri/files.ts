// Where the CRI fixture's non-TypeScript files (runtime.proto, pause.c, cni-plugin.sh) are: beside the source, also when run from dist/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** lab/cri/ in the source tree: tsc copies no .proto, .c or .sh into dist/lab/cri/. */
export const CRI_FILES = existsSync(join(here, 'runtime.proto')) ? here : join(here, '../../../lab/cri');
