import { importMain } from './backup.js';
import { isMain, runMain } from './common.js';

/** `npm run import -- <dir>`: see IMPORT_USAGE in ./backup.ts. */
export const main = importMain;

if (isMain(import.meta.url)) runMain(main);
