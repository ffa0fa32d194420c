import { chainHash, GENESIS_HASH, hashedBody } from '../../src/domain/chain.js';
import type { StoredEvent } from '../../src/domain/event.js';
import { canonicalJson } from '../../src/domain/jcs.js';

type Draft = Omit<StoredEvent, 'seq' | 'prev_hash' | 'hash' | 'org' | 'received_at' | 'status' | 'id'> &
  Partial<Pick<StoredEvent, 'org' | 'received_at' | 'status' | 'id'>>;

/** Stored events linked into one org's chain from seq 1, hashed the way the stores hash them. */
export function chainOf(drafts: Draft[], org = 'org_a'): StoredEvent[] {
  let prev = GENESIS_HASH;
  return drafts.map((draft, index) => {
    const event: StoredEvent = {
      id: draft.id ?? `evt_${index + 1}`,
      org,
      received_at: draft.received_at ?? draft.occurred_at,
      status: draft.status ?? 'success',
      ...draft,
      seq: index + 1,
      prev_hash: prev,
      hash: '',
    };
    event.hash = chainHash(prev, canonicalJson(hashedBody(event)));
    prev = event.hash;
    return event;
  });
}

const ada = { type: 'user', id: 'usr_1', name: 'Ada Lovelace', email: 'ada@example.com' } as const;

/** One event of each kind the formats treat differently. */
export const SAMPLE_DRAFTS: Draft[] = [
  {
    action: 'user.login',
    occurred_at: '2026-11-01T10:00:00.000Z',
    actor: ada,
    context: {
      ip: '203.0.113.9',
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64)',
      auth_type: 'session',
      location: { country: 'DE', region: 'Berlin', city: 'Berlin' },
      client: { browser: 'Firefox', os: 'Linux', device: 'desktop' },
    },
  },
  {
    action: 'user.login_failed',
    occurred_at: '2026-11-01T10:00:01.000Z',
    actor: { type: 'user', id: 'usr_2', email: 'eve@example.com' },
    status: 'failure',
    context: { ip: '2001:db8::1' },
  },
  { action: 'user.logout', occurred_at: '2026-11-01T10:00:02.000Z', actor: ada },
  { action: 'accounts.signed_in', occurred_at: '2026-11-01T10:00:02.500Z', actor: ada },
  {
    action: 'user.created',
    occurred_at: '2026-11-01T10:00:03.000Z',
    actor: ada,
    resource: { type: 'user', id: 'usr_9', name: 'Grace' },
  },
  { action: 'user.password_changed', occurred_at: '2026-11-01T10:00:04.000Z', actor: ada },
  {
    action: 'member.role_changed',
    occurred_at: '2026-11-01T10:00:05.000Z',
    actor: ada,
    resource: { type: 'member', id: 'usr_9' },
    metadata: { from: 'member', to: 'admin' },
  },
  { action: 'member.removed', occurred_at: '2026-11-01T10:00:06.000Z', actor: ada },
  {
    action: 'template.created',
    occurred_at: '2026-11-01T10:00:07.000Z',
    actor: ada,
    resource: { type: 'template', id: 'tpl_9', name: 'Invoice' },
    workspace: 'ws_1',
    description: 'Ada created template Invoice',
    metadata: { changed_fields: ['name'] },
  },
  {
    action: 'api_key.iam_rule.update',
    occurred_at: '2026-11-01T10:00:08.000Z',
    actor: { type: 'api_key', id: 'key_1' },
  },
  {
    action: 'retention.purged',
    occurred_at: '2026-11-01T10:00:09.000Z',
    actor: { type: 'system', id: 'trailmark' },
  },
  { action: 'audit_log.exported', occurred_at: '2026-11-01T10:00:10.000Z', actor: ada },
  {
    action: 'alert.triggered',
    occurred_at: '2026-11-01T10:00:11.000Z',
    actor: { type: 'service', id: 'detector' },
  },
  {
    action: 'api.request',
    occurred_at: '2026-11-01T10:00:12.000Z',
    actor: { type: 'api_key', id: 'key_1', name: 'CI key' },
    context: { ip: '198.51.100.4', user_agent: 'curl/8.0' },
    request: {
      method: 'DELETE',
      path: '/api/v1/templates/tpl_9',
      status_code: 204,
      duration_ms: 12.5,
      api_key_last4: 'a1b2',
      headers: { authorization: '[REDACTED]' },
    },
  },
  {
    action: 'api.request',
    occurred_at: '2026-11-01T10:00:13.000Z',
    actor: { type: 'api_key', id: 'key_1' },
    status: 'failure',
    request: { method: 'OPTIONS', path: '/api/v1/x', status_code: 500 },
  },
];

export const SAMPLE_EVENTS = chainOf(SAMPLE_DRAFTS);

/** Strings that break naive escaping in every format. */
export const HOSTILE_STRINGS = [
  'pipe | inside',
  'back\\slash',
  'trailing backslash\\',
  'equals=sign',
  'key=value other=thing',
  'line\nbreak',
  'crlf\r\nbreak',
  'bracket ] and "quote"',
  'unicode é 漢字 🎉 \u2028',
  ' leading and trailing spaces ',
  '\\=\\|\\n',
  '',
];
