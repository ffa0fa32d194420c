import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
}

interface AxeGlobal {
  axe: { run(context: unknown, options: unknown): Promise<AxeResult> };
  document: unknown;
}

/**
 * Runs axe-core (WCAG 2.1 A and AA rules: labels, names, roles, contrast, landmarks...) on the
 * page as it is now and fails with every violation it finds.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  // Evaluated through the DevTools protocol, so the page's CSP (no eval) does not apply.
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => {
    const g = globalThis as unknown as AxeGlobal;
    return g.axe.run(g.document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    });
  });
  const found = result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
  expect(found, `accessibility of ${what}`).toEqual([]);
}
