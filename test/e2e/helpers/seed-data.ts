/**
 * The events the browser suites look at: every filter finds some and misses others, the request
 * log has entries, and a few carry what must never run in the page. Times are relative to the
 * moment of seeding, spread over 45 days so that the date presets each select a different set.
 */

const HOUR = 3_600_000;

export const XSS_DESCRIPTION = '<img src=x onerror=alert(1)>';

const ada = { type: 'user', id: 'usr_ada_7f3a9c21b4', name: 'Ada Lovelace', email: 'ada@example.com' };
const grace = { type: 'user', id: 'usr_grace_51d0e8', name: 'Grace Hopper', email: 'grace@example.com' };
const ciKey = { type: 'api_key', id: 'key_ci_deploy_2c8e', name: 'CI deploy key' };
const system = { type: 'system', id: 'sys_scheduler', name: 'Scheduler' };

const CHROME =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

type Seed = Record<string, unknown> & { hoursAgo: number };

const SEEDS: Seed[] = [
  {
    hoursAgo: 0.2,
    action: 'note.created',
    actor: ada,
    resource: { type: 'note', id: 'note_01hx9', name: 'Release notes' },
    workspace: 'ws_core',
    description: XSS_DESCRIPTION,
    context: { ip: '198.51.100.23', user_agent: CHROME, auth_type: 'session' },
    metadata: { title: '<script>alert(2)</script>', body: '"><svg onload=alert(3)>' },
  },
  {
    hoursAgo: 0.5,
    action: 'user.login',
    actor: ada,
    resource: { type: 'user', id: ada.id },
    description: 'Ada Lovelace signed in',
    context: { ip: '8.8.8.8', user_agent: CHROME, auth_type: 'sso' },
  },
  {
    hoursAgo: 2,
    action: 'template.updated',
    actor: ada,
    resource: { type: 'template', id: 'tpl_invoice_2024_v3_9a7c', name: 'Invoice' },
    workspace: 'ws_core',
    description: 'Ada Lovelace renamed template Invoice',
    context: { ip: '8.8.8.8', user_agent: CHROME, auth_type: 'session' },
    metadata: {
      changed_fields: ['name', 'footer'],
      before: { name: 'Invoice 2023' },
      after: { name: 'Invoice' },
    },
  },
  {
    hoursAgo: 5,
    action: 'user.login_failed',
    status: 'failure',
    actor: grace,
    resource: { type: 'user', id: grace.id },
    description: 'Wrong password for grace@example.com',
    context: { ip: '203.0.113.99', user_agent: FIREFOX, auth_type: 'session' },
    metadata: { reason: 'bad_password', attempt: 3 },
  },
  {
    hoursAgo: 9,
    action: 'api_key.created',
    actor: grace,
    resource: { type: 'api_key', id: 'key_prod_backend_81f2', name: 'Production backend' },
    workspace: 'ws_marketing',
    description: 'Grace Hopper created API key Production backend',
    context: { ip: '203.0.113.99', user_agent: FIREFOX, auth_type: 'session' },
    metadata: { scopes: ['events:write'] },
  },
  {
    hoursAgo: 20,
    action: 'knowledge.update',
    actor: grace,
    resource: { type: 'knowledge', id: 'kb_onboarding_44', name: 'Onboarding guide' },
    workspace: 'ws_marketing',
    description: 'Grace Hopper edited the onboarding guide',
    context: { ip: '203.0.113.5', user_agent: FIREFOX, auth_type: 'session' },
  },
  {
    hoursAgo: 30,
    action: 'message.send',
    actor: ciKey,
    resource: { type: 'message', id: 'msg_0071', name: 'Weekly digest' },
    workspace: 'ws_marketing',
    description: 'Digest sent to 1,204 recipients',
    context: { ip: '192.0.2.10', auth_type: 'api_key' },
  },
  {
    hoursAgo: 50,
    action: 'template.created',
    actor: ada,
    resource: { type: 'template', id: 'tpl_invoice_2024_v3_9a7c', name: 'Invoice 2023' },
    workspace: 'ws_core',
    description: 'Ada Lovelace created template Invoice 2023',
    context: { ip: '8.8.8.8', user_agent: CHROME, auth_type: 'session' },
  },
  {
    hoursAgo: 80,
    action: 'channel.create',
    actor: grace,
    resource: { type: 'channel', id: 'chn_support', name: 'Support' },
    workspace: 'ws_marketing',
    description: 'Grace Hopper opened the Support channel',
    context: { ip: '203.0.113.5', user_agent: FIREFOX, auth_type: 'session' },
  },
  {
    hoursAgo: 120,
    action: 'api_key.deleted',
    actor: ada,
    resource: { type: 'api_key', id: 'key_legacy_0b11', name: 'Legacy importer' },
    description: 'Ada Lovelace deleted API key Legacy importer',
    context: { ip: '8.8.8.8', user_agent: CHROME, auth_type: 'session' },
  },
  {
    hoursAgo: 200,
    action: 'db.update',
    actor: system,
    resource: { type: 'database', id: 'db_main' },
    description: 'Nightly schema migration 042 applied',
    metadata: { migration: 42, duration_ms: 5120 },
  },
  {
    hoursAgo: 300,
    action: 'template.deleted',
    actor: grace,
    resource: { type: 'template', id: 'tpl_old_receipt_77', name: 'Old receipt' },
    workspace: 'ws_core',
    description: 'Grace Hopper deleted template Old receipt',
    context: { ip: '203.0.113.5', user_agent: FIREFOX, auth_type: 'session' },
  },
  {
    hoursAgo: 500,
    action: 'user.logout',
    actor: ada,
    resource: { type: 'user', id: ada.id },
    description: 'Ada Lovelace signed out',
    context: { ip: '8.8.8.8', user_agent: CHROME, auth_type: 'session' },
  },
  {
    hoursAgo: 800,
    action: 'template.updated',
    actor: grace,
    resource: { type: 'template', id: 'tpl_quote_12', name: 'Quote' },
    workspace: 'ws_core',
    description: 'Grace Hopper changed the Quote template',
    context: { ip: '203.0.113.5', user_agent: FIREFOX, auth_type: 'session' },
  },
  {
    hoursAgo: 1000,
    action: 'user.login',
    actor: grace,
    resource: { type: 'user', id: grace.id },
    description: 'Grace Hopper signed in',
    context: { ip: '203.0.113.5', user_agent: FIREFOX, auth_type: 'session' },
  },
  // API request log entries.
  {
    hoursAgo: 1,
    action: 'template.render',
    actor: ciKey,
    resource: { type: 'template', id: 'tpl_invoice_2024_v3_9a7c' },
    workspace: 'ws_core',
    description: 'Render invoice',
    context: { ip: '192.0.2.10', auth_type: 'api_key', user_agent: 'trailmark-sdk/1.2' },
    request: {
      method: 'POST',
      path: '/api/v1/templates/tpl_invoice_2024_v3_9a7c/render',
      status_code: 201,
      duration_ms: 182,
      api_key_last4: 'c9d1',
      query: { format: 'pdf' },
      params: { id: 'tpl_invoice_2024_v3_9a7c' },
      body: { customer: 'cus_88', password: 'hunter2' },
      headers: { 'content-type': 'application/json', authorization: 'Bearer abc' },
    },
  },
  {
    hoursAgo: 3,
    action: 'template.get',
    actor: ciKey,
    resource: { type: 'template', id: 'tpl_missing' },
    description: 'Template not found',
    status: 'failure',
    context: { ip: '192.0.2.10', auth_type: 'api_key' },
    request: {
      method: 'GET',
      path: '/api/v1/templates/tpl_missing',
      status_code: 404,
      duration_ms: 12,
      api_key_last4: 'c9d1',
    },
  },
  {
    hoursAgo: 26,
    action: 'project.delete',
    actor: ciKey,
    resource: { type: 'project', id: 'prj_9' },
    workspace: 'ws_marketing',
    status: 'failure',
    context: { ip: '192.0.2.11', auth_type: 'api_key' },
    request: {
      method: 'DELETE',
      path: '/api/v1/projects/prj_9',
      status_code: 500,
      duration_ms: 2304,
      api_key_last4: '77aa',
    },
  },
  {
    hoursAgo: 100,
    action: 'project.list',
    actor: ciKey,
    resource: { type: 'project' },
    context: { ip: '192.0.2.11', auth_type: 'api_key' },
    request: {
      method: 'GET',
      path: '/api/v1/projects',
      status_code: 200,
      duration_ms: 35,
      api_key_last4: '77aa',
      query: { page: '2' },
    },
  },
];

/** The seed events as API input, with `occurred_at` counted back from `now`. */
export function seedEvents(now: number): Record<string, unknown>[] {
  return SEEDS.map(({ hoursAgo, ...event }) => ({
    ...event,
    occurred_at: new Date(now - hoursAgo * HOUR).toISOString(),
  }));
}

/** A few events of another org: none of them may ever appear in the first org's views. */
export function otherOrgEvents(now: number): Record<string, unknown>[] {
  return [
    {
      action: 'user.login',
      actor: { type: 'user', id: 'usr_mallory', email: 'mallory@other.example' },
      description: 'Mallory signed in to the other org',
      occurred_at: new Date(now - 0.4 * HOUR).toISOString(),
    },
    {
      action: 'template.updated',
      actor: { type: 'user', id: 'usr_mallory', email: 'mallory@other.example' },
      resource: { type: 'template', id: 'tpl_other' },
      description: 'Another org changed a template',
      occurred_at: new Date(now - 3 * HOUR).toISOString(),
    },
  ];
}
