import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileLineBatches } from '../../src/cli/verify-command.js';
import { tempDir } from '../helpers/temp.js';

async function linesOf(path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of fileLineBatches(path)) for (const line of batch) out.push(line.toString('utf8'));
  return out;
}

describe('reading an export file line by line', () => {
  it('gives every line whole, across reads, however long, with or without a final newline', async () => {
    const dir = tempDir();
    try {
      const lines: string[] = [];
      for (let i = 0; i < 5000; i++) lines.push(`{"n":${i},"pad":"${'é'.repeat(i % 700)}"}`);
      lines.splice(2500, 0, `{"long":"${'x'.repeat(2.5 * 2 ** 20)}"}`, '');
      const text = lines.join('\n');
      for (const [name, content] of [
        ['no-final-newline.jsonl', text],
        ['final-newline.jsonl', `${text}\n`],
      ] as const) {
        const path = join(dir.path, name);
        writeFileSync(path, content);
        expect(await linesOf(path)).toEqual(lines);
      }
    } finally {
      dir.remove();
    }
  });
});
