import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config.js';
import { API_KEY_SCOPES, type ApiKeyScope } from '../domain/principal.js';
import { createEnricher } from '../enrich/enricher.js';
import { createApiKey } from '../operations/create-api-key.js';
import { createOrg } from '../operations/create-org.js';
import { startServer } from '../server.js';
import { openStore } from '../store/open-store.js';
import type { AuditStore } from '../store/store.js';

async function withStore<T>(fn: (store: AuditStore) => Promise<T>): Promise<T> {
  const store = await openStore(loadConfig().databaseUrl);
  try {
    await store.migrate();
    return await fn(store);
  } finally {
    await store.close();
  }
}

function parseScopes(value: string): ApiKeyScope[] {
  const scopes = value.split(',').map((s) => s.trim());
  for (const scope of scopes) {
    if (!(API_KEY_SCOPES as readonly string[]).includes(scope)) {
      throw new InvalidArgumentError(`unknown scope ${scope}; use ${API_KEY_SCOPES.join(', ')}`);
    }
  }
  return scopes as ApiKeyScope[];
}

const program = new Command('trailmark').description('Tamper-evident audit log service').version('0.1.0');

program
  .command('serve')
  .description('serve the API and dashboard (configured by environment variables)')
  .action(async () => {
    const server = await startServer(loadConfig());
    process.stdout.write(`Trailmark is listening on ${server.url}\n`);
    const stop = (signal: string) => {
      server.app.log.info({ signal }, 'shutting down: draining the ingest queue');
      server.close().then(
        () => process.exit(0),
        (error: unknown) => {
          server.app.log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });

program
  .command('migrate')
  .description('create or upgrade the database schema')
  .action(async () => {
    await withStore(async () => undefined);
    process.stdout.write('schema is up to date\n');
  });

const org = program.command('org').description('organizations');
org
  .command('create')
  .requiredOption('--name <name>', 'display name')
  .option('--id <id>', 'id to use (default: generated)')
  .action(async (options: { name: string; id?: string }) => {
    const created = await withStore((store) =>
      createOrg(
        store,
        createEnricher(),
        { name: options.name, ...(options.id ? { id: options.id } : {}) },
        null,
        {},
      ),
    );
    process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
  });

const key = program.command('key').description('API keys');
key
  .command('create')
  .requiredOption('--org <org>', 'organization id')
  .requiredOption('--name <name>', 'what the key is for')
  .option('--scopes <scopes>', 'comma-separated: events:write,events:read,admin', parseScopes, [
    'events:write',
  ] as ApiKeyScope[])
  .action(async (options: { org: string; name: string; scopes: ApiKeyScope[] }) => {
    const created = await withStore(async (store) => {
      if (!(await store.getOrg(options.org))) throw new Error(`organization ${options.org} does not exist`);
      return createApiKey(
        store,
        createEnricher(),
        options.org,
        { name: options.name, scopes: options.scopes },
        null,
        {},
      );
    });
    process.stdout.write(
      `${JSON.stringify({ id: created.record.id, key: created.secret, scopes: created.record.scopes }, null, 2)}\n`,
    );
    process.stderr.write('The key is shown once; store it now.\n');
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`trailmark: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
