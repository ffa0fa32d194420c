import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import type { AuditStore } from '../store/store.js';
import { SigningKeys } from '../workers/signing-keys.js';

export function registerSigningKeyCommands(
  program: Command,
  withStore: <T>(fn: (store: AuditStore) => Promise<T>) => Promise<T>,
): void {
  const group = program.command('signing-key').description('checkpoint signing keys');
  group
    .command('rotate')
    .description('create a new active signing key; old public keys stay published for old checkpoints')
    .action(async () => {
      const config = loadConfig();
      const rotated = await withStore(async (store) => {
        const keys = new SigningKeys(store, config.secret);
        await keys.ensure();
        return keys.rotate();
      });
      process.stdout.write(
        `${JSON.stringify({ kid: rotated.id, created_at: rotated.created_at }, null, 2)}\n`,
      );
      if (!config.secret)
        process.stderr.write('TRAILMARK_SECRET is not set: the new key is stored unencrypted.\n');
    });
  group
    .command('list')
    .description('list signing keys (public halves)')
    .action(async () => {
      const keys = await withStore(async (store) => new SigningKeys(store, loadConfig().secret).published());
      process.stdout.write(`${JSON.stringify({ keys }, null, 2)}\n`);
    });
}
