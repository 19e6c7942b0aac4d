import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './config.js';

/** The SDL files in schema/, in a stable order (the same files codegen reads). */
export function loadTypeDefs(dir = path.join(PROJECT_ROOT, 'schema')): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(path.join(dir, f), 'utf8'));
}
