import { readdirSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ensureDashboardBuilt } from './helpers/build.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ASSETS = resolve(ROOT, 'web/dist/assets');

/** Every module a built script was made from, by its path from the repository root. */
function bundledModules(): string[] {
  const maps = readdirSync(ASSETS).filter((name) => name.endsWith('.js.map'));
  expect(maps.length).toBeGreaterThan(0);
  return maps.flatMap((name) => {
    const { sources } = JSON.parse(readFileSync(resolve(ASSETS, name), 'utf8')) as { sources: string[] };
    return sources.map((source) => relative(ROOT, resolve(ASSETS, source)));
  });
}

describe('dashboard bundle', () => {
  it('holds the dashboard, the shared src/contracts and React, and nothing else of the server', () => {
    ensureDashboardBuilt();
    const modules = bundledModules();
    const packages = new Set(
      modules.filter((m) => m.startsWith('node_modules/')).map((m) => m.split('/')[1]),
    );
    const ours = modules.filter((m) => !m.startsWith('node_modules/'));
    expect(ours.filter((m) => !m.startsWith('web/src/') && !m.startsWith('src/contracts/'))).toEqual([]);
    expect(ours.some((m) => m.startsWith('src/contracts/'))).toBe(true);
    // Contracts' schemas are TypeBox values: the dashboard takes their types only.
    expect([...packages].sort()).toEqual(['react', 'react-dom', 'scheduler']);
  });
});
