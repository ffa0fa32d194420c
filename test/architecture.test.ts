import { type Dirent, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * ARCHITECTURE.md's layer table is the rule: each row names folders (first cell) and the layers
 * they may import (last cell: layer names in backticks, `everything`, or `nothing`). This test
 * reads the table and every relative import under src/, web/src/ and sdk/, so the document and
 * the code cannot drift apart: an import the table does not allow fails the suite.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCANNED = ['src', 'web/src', 'sdk/src'];

interface Layer {
  name: string;
  /** Folders (ending in /) or files, relative to the root. */
  paths: string[];
  /** Layer names this one may import, or 'everything'. */
  mayImport: Set<string> | 'everything';
}

function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());
}

function backticked(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}

/** The layer name of a path cell: `src/domain/` → domain, `web/src/` → web, `src/server.ts` → server. */
function layerName(path: string): string {
  if (path.startsWith('web/')) return 'web';
  if (path.startsWith('sdk/')) return 'sdk';
  return path
    .replace(/^src\//, '')
    .replace(/\/$/, '')
    .replace(/\.ts$/, '');
}

function readLayerTable(markdown: string): Layer[] {
  const section = markdown.split(/^## Layers\s*$/m)[1]?.split(/^## /m)[0];
  if (!section) throw new Error('ARCHITECTURE.md has no "## Layers" section');
  const rows = section.split('\n').filter((l) => l.trim().startsWith('|'));
  const layers: Layer[] = [];
  for (const row of rows.slice(2)) {
    const c = cells(row);
    const paths = backticked(c[0] ?? '');
    const last = c[c.length - 1] ?? '';
    if (!paths.length) continue;
    const mayImport = /^everything\b/i.test(last)
      ? ('everything' as const)
      : new Set(/^nothing\b/i.test(last) ? [] : backticked(last).map(layerName));
    // Several paths in one cell (`src/cli/`, `src/server.ts`) are one row but each its own layer name.
    for (const path of paths) layers.push({ name: layerName(path), paths: [path], mayImport });
  }
  return layers;
}

function sourceFiles(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(join(ROOT, dir), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : sourceFiles(path);
    return /\.(ts|tsx|mts|cts|js|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative specifiers of static imports, re-exports and dynamic imports. */
function importsOf(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\s[^'"]*?\bfrom\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\bnew URL\(\s*['"](\.[^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of text.matchAll(pattern)) found.push(m[1]!);
  return found.filter((s) => s.startsWith('.'));
}

function layerOf(file: string, layers: Layer[]): Layer | undefined {
  let best: Layer | undefined;
  for (const layer of layers) {
    for (const path of layer.paths) {
      const hit = path.endsWith('/')
        ? file.startsWith(path)
        : file === path || file === path.replace(/\.ts$/, '.js');
      if (hit && (!best || path.length > best.paths[0]!.length)) best = layer;
    }
  }
  return best;
}

const layers = readLayerTable(readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8'));

describe('the layer table of ARCHITECTURE.md', () => {
  it('names every folder that holds code', () => {
    const unplaced = SCANNED.flatMap(sourceFiles).filter((f) => !layerOf(f, layers));
    expect(unplaced).toEqual([]);
  });

  it('is kept by every import', () => {
    const broken: string[] = [];
    for (const file of SCANNED.flatMap(sourceFiles)) {
      const from = layerOf(file, layers)!;
      if (!from || from.mayImport === 'everything') continue;
      for (const spec of importsOf(readFileSync(join(ROOT, file), 'utf8'))) {
        const target = relative(ROOT, resolve(ROOT, dirname(file), spec));
        const to = layerOf(target, layers);
        if (!to || to.name === from.name || from.mayImport.has(to.name)) continue;
        broken.push(`${file} imports ${target} (${from.name} may not import ${to.name})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('catches an import it does not allow', () => {
    const domain = layers.find((l) => l.name === 'domain');
    expect(domain).toBeDefined();
    expect(domain!.mayImport).not.toBe('everything');
    expect((domain!.mayImport as Set<string>).has('store')).toBe(false);
  });
});
