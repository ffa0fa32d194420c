import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config.js';
import { API_KEY_SCOPES, type ApiKeyScope, DEPLOYMENT_KEY_SCOPES } from '../domain/principal.js';
import { createEnricher } from '../enrich/enricher.js';
import { generatePassword, hashPassword } from '../identity/passwords.js';
import { createApiKey } from '../operations/api-keys.js';
import type { ChangeDeps } from '../operations/audited.js';
import { addMemberDirectly } from '../operations/members.js';
import { createOrg } from '../operations/orgs.js';
import { startServer } from '../server.js';
import { openStore } from '../store/open-store.js';
import type { AuditStore } from '../store/store.js';
import { registerSigningKeyCommands } from './signing-key-command.js';
import { registerVerifyCommand } from './verify-command.js';

/** The CLI acts as the system: its changes are recorded with actor `system`. */
function cliDeps(store: AuditStore): ChangeDeps {
  return { store, enricher: createEnricher(), now: () => new Date() };
}

const CLI_CAUSE = { principal: null, origin: {} };

async function withStore<T>(fn: (store: AuditStore) => Promise<T>): Promise<T> {
  const store = await openStore(loadConfig().databaseUrl);
  try {
    await store.migrate();
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Any scope a key may hold; `orgs:create` is refused for org keys when the key is made. */
function parseScopes(value: string): ApiKeyScope[] {
  const scopes = value.split(',').map((s) => s.trim());
  for (const scope of scopes) {
    if (!(DEPLOYMENT_KEY_SCOPES as readonly string[]).includes(scope)) {
      throw new InvalidArgumentError(`unknown scope ${scope}; use ${DEPLOYMENT_KEY_SCOPES.join(', ')}`);
    }
  }
  return scopes as ApiKeyScope[];
}

const program = new Command('trailmark').description('Tamper-evident audit log service').version('0.1.0');

program
  .command('serve')
  .description('serve the API and dashboard (configured by environment variables)')
  .action(async () => {
    const server = await startServer(loadConfig(), { firstOwner: (text) => process.stdout.write(text) });
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
      createOrg(cliDeps(store), { name: options.name, ...(options.id ? { id: options.id } : {}) }, CLI_CAUSE),
    );
    process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
  });

const key = program.command('key').description('API keys');
key
  .command('create')
  .option('--org <org>', 'organization id (an org key)')
  .option('--deployment', 'a deployment-wide key: it names the org in each request (ingest for many orgs)')
  .requiredOption('--name <name>', 'what the key is for')
  .option(
    '--scopes <scopes>',
    'comma-separated: events:write,events:read,admin; orgs:create for deployment keys',
    parseScopes,
    ['events:write'] as ApiKeyScope[],
  )
  .action(async (options: { org?: string; deployment?: boolean; name: string; scopes: ApiKeyScope[] }) => {
    if ((options.org === undefined) === !options.deployment) {
      throw new InvalidArgumentError('give either --org <org> or --deployment');
    }
    const orgScopes: readonly string[] = API_KEY_SCOPES;
    if (options.org !== undefined && options.scopes.some((s) => !orgScopes.includes(s))) {
      throw new InvalidArgumentError(`org keys hold only ${API_KEY_SCOPES.join(', ')}`);
    }
    const created = await withStore(async (store) => {
      if (options.org !== undefined && !(await store.getOrg(options.org))) {
        throw new Error(`organization ${options.org} does not exist`);
      }
      return createApiKey(
        cliDeps(store),
        options.org ?? null,
        { name: options.name, scopes: options.scopes },
        CLI_CAUSE,
      );
    });
    process.stdout.write(
      `${JSON.stringify({ id: created.record.id, key: created.secret, scopes: created.record.scopes }, null, 2)}\n`,
    );
    process.stderr.write('The key is shown once; store it now.\n');
  });

const user = program.command('user').description('people who sign in to the dashboard');
user
  .command('create')
  .description(
    'create a user (or add an existing one) as a member of an org; prints a generated password once',
  )
  .requiredOption('--email <email>', 'sign-in email')
  .requiredOption('--org <org>', 'organization id')
  .option('--role <role>', 'owner, admin, member or a custom role id', 'member')
  .option('--name <name>', 'display name (default: the part of the email before @)')
  .action(async (options: { email: string; org: string; role: string; name?: string }) => {
    const email = options.email.trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+$/.test(email))
      throw new InvalidArgumentError(`${options.email} is not an email address`);
    const password = generatePassword();
    const passwordHash = await hashPassword(password);
    const result = await withStore(async (store) => {
      if (!(await store.getOrg(options.org))) throw new Error(`organization ${options.org} does not exist`);
      return addMemberDirectly(
        cliDeps(store),
        options.org,
        { email, name: options.name ?? email.split('@')[0]!, role: options.role, passwordHash, via: 'cli' },
        CLI_CAUSE,
      );
    });
    const shown: Record<string, unknown> = {
      id: result.user.id,
      email,
      org: options.org,
      role: options.role,
    };
    if (result.created) shown.password = password;
    process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    process.stderr.write(
      result.created
        ? 'The password is shown once; store it now, and change it after signing in.\n'
        : 'The user already existed and keeps their password; they were added to the organization.\n',
    );
  });

registerSigningKeyCommands(program, withStore);
registerVerifyCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`trailmark: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
