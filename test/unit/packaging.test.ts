import { readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';

/**
 * `npm ci --omit=dev` installs only `dependencies`: every package the service imports at run time
 * (type-only imports are erased by the compiler) must be listed there. The production-install e2e
 * test proves the same by starting the packed build; this one names the culprit in a second.
 */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

const packageOf = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);

describe('runtime imports', () => {
  it('come from `dependencies` only', () => {
    const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; optionalDependencies?: Record<string, string> };
    const allowed = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {})]);
    const builtins = new Set(builtinModules);
    const wrong: string[] = [];
    for (const file of sources(path.join(PROJECT_ROOT, 'src'))) {
      const code = readFileSync(file, 'utf8');
      // Static imports/re-exports that survive compilation (not `import type`), and dynamic import().
      const specs = [
        ...[...code.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^'";]*?from\s+'([^']+)'/gm)].map((m) => m[1]!),
        ...[...code.matchAll(/^\s*import\s+'([^']+)'/gm)].map((m) => m[1]!),
        ...[...code.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]!),
      ];
      for (const spec of specs) {
        if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
        if (!allowed.has(packageOf(spec))) wrong.push(`${path.relative(PROJECT_ROOT, file)} imports ${spec}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
