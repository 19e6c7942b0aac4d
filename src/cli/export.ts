import { exportMain } from './backup.js';
import { isMain, runMain } from './common.js';

/** `npm run export -- <dir>`: see EXPORT_USAGE in ./backup.ts. */
export const main = exportMain;

if (isMain(import.meta.url)) runMain(main);
