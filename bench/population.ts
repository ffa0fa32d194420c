/**
 * Events as a real product's audit log holds them, for the query benchmarks at scale: a few
 * actors do most things (Zipf-like), a few actions are most of the log and some are rare,
 * workspaces are uneven, every actor comes from one address in one of many countries, 4% of
 * events fail and a quarter are request logs. Deterministic: event `n` is always the same, so a
 * seeded database can be kept and its rare and common values named in advance.
 */

/** Changes whenever the generator does: kept seeded databases of another version are seeded again. */
export const POPULATION_VERSION = 1;

/** Action names and weights (per 10,000 events); the last ones are rare on purpose. */
const ACTION_WEIGHTS: readonly (readonly [string, number])[] = [
  ['document.viewed', 3200],
  ['user.login', 1400],
  ['document.updated', 1100],
  ['user.logout', 900],
  ['document.created', 700],
  ['comment.created', 600],
  ['template.updated', 500],
  ['user.login_failed', 350],
  ['document.shared', 300],
  ['document.deleted', 200],
  ['template.created', 150],
  ['member.invited', 120],
  ['api_key.created', 100],
  ['template.deleted', 80],
  ['member.role_changed', 70],
  ['api_key.deleted', 60],
  ['billing.plan_changed', 40],
  ['member.removed', 40],
  ['sso.configured', 20],
  ['org.settings_changed', 19],
  ['org.export_requested', 1],
];
export const ACTIONS = ACTION_WEIGHTS.map(([name]) => name);

/** First octets of address blocks on several continents, weighted towards North America and Europe. */
const ADDRESS_BLOCKS: readonly (readonly [number, number])[] = [
  [24, 18],
  [73, 14],
  [98, 10],
  [81, 8],
  [89, 7],
  [77, 6],
  [31, 5],
  [49, 4],
  [101, 4],
  [103, 4],
  [177, 4],
  [189, 3],
  [200, 3],
  [41, 2],
  [196, 2],
  [58, 2],
  [110, 2],
  [151, 2],
];

const AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  'trailmark-sdk/1.0 node/20.18.0',
];

export const POPULATION = {
  users: 20_000,
  serviceKeys: 40,
  workspaces: 300,
  resourcesPerType: 50_000,
} as const;

/** A 32-bit mix of n and a salt (splitmix-like): the same inputs always give the same draw. */
function draw(n: number, salt: number): number {
  let x = (n ^ Math.imul(salt, 0x9e3779b1)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return ((x ^ (x >>> 16)) >>> 0) / 0x1_0000_0000;
}

/** An index in [0, size) drawn with weight 1/(i+1): index 0 most often, a long tail after it. */
function zipf(u: number, size: number): number {
  // The inverse of the continuous 1/x distribution over [1, size + 1).
  return Math.min(size - 1, Math.floor(Math.exp(u * Math.log(size + 1)) - 1));
}

function weighted<T>(u: number, table: readonly (readonly [T, number])[]): T {
  const total = table.reduce((sum, [, w]) => sum + w, 0);
  let at = u * total;
  for (const [value, weight] of table) {
    if (at < weight) return value;
    at -= weight;
  }
  return table[table.length - 1]![0];
}

/** The address each user signs in from: a stable host in one of the blocks. */
export function userAddress(user: number): string {
  const first = weighted(draw(user, 11), ADDRESS_BLOCKS);
  return `${first}.${Math.floor(draw(user, 12) * 254) + 1}.${Math.floor(draw(user, 13) * 254) + 1}.${
    Math.floor(draw(user, 14) * 253) + 1
  }`;
}

/** The user behind event `n` (a few users do a large share of everything). */
export function userOf(n: number): number {
  return zipf(draw(n, 1), POPULATION.users);
}

/** Event `n` of a seeded org, about 1 KB as JSON. */
export function realisticEvent(n: number, occurredAt: string): Record<string, unknown> {
  const action = weighted(draw(n, 2), ACTION_WEIGHTS);
  const [family, verb] = action.split('.') as [string, string];
  const byService = draw(n, 3) < 0.06;
  const user = userOf(n);
  const actor = byService
    ? {
        type: 'api_key',
        id: `key_${Math.floor(draw(n, 4) * POPULATION.serviceKeys)}`,
        name: 'Deploy pipeline',
      }
    : { type: 'user', id: `usr_${user}`, name: `User Number${user}`, email: `user${user}@example.com` };
  const workspace = `ws_${zipf(draw(n, 5), POPULATION.workspaces)}`;
  const resource = zipf(draw(n, 6), POPULATION.resourcesPerType);
  const status = verb === 'login_failed' || draw(n, 7) < 0.04 ? 'failure' : 'success';
  const event: Record<string, unknown> = {
    action,
    actor,
    resource: { type: family, id: `${family}_${resource}`, name: `${family} ${resource}` },
    workspace,
    status,
    description: `${actor.name} ${verb.replace('_', ' ')} ${family} ${resource} in ${workspace}`,
    context: {
      ip: byService ? `10.0.${Math.floor(draw(n, 8) * 4)}.7` : userAddress(user),
      user_agent: byService ? AGENTS[5] : AGENTS[user % 5],
      auth_type: byService ? 'api_key' : 'session',
    },
    metadata: {
      changed_fields: verb === 'updated' ? ['name', 'settings'] : [],
      plan: user % 7 === 0 ? 'enterprise' : 'team',
      trace_id: `tr_${n.toString(36)}`,
      note: 'x'.repeat(160 + Math.floor(draw(n, 9) * 120)),
    },
  };
  if (occurredAt) event.occurred_at = occurredAt;
  if (byService || draw(n, 10) < 0.22) {
    event.request = {
      method: verb === 'viewed' ? 'GET' : 'POST',
      path: `/api/v1/${family}s/${resource}`,
      status_code: status === 'failure' ? 403 : 200,
      duration_ms: Math.floor(draw(n, 15) * 400),
      headers: { 'user-agent': String((event.context as { user_agent: string }).user_agent) },
    };
  }
  return event;
}

/**
 * Values the benchmark filters on, chosen from the generator so each is common or rare as named:
 * the busiest user and workspace, a rare action, a resource and an address of ordinary frequency.
 */
export const PROBES = {
  commonAction: 'document.viewed',
  rareAction: 'org.export_requested',
  actionPrefix: 'api_key.*',
  busyActor: 'usr_0',
  ordinaryActor: 'usr_4321',
  ordinaryEmail: 'user4321@example.com',
  resourceType: 'template',
  resourceId: 'document_777',
  workspace: 'ws_7',
  ip: userAddress(1234),
  /** A term in a handful of events per million: one resource's name (and the few whose numbers start with it). */
  rareTerm: 'document 3000',
  /** A term in most events. */
  commonTerm: 'document',
} as const;
