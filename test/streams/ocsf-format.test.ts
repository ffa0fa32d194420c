import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OCSF_VERSION, ocsfClassOf, ocsfEvent } from '../../src/export/formats/ocsf.js';
import { chainOf, HOSTILE_STRINGS, SAMPLE_EVENTS } from './sample-events.js';

interface Definition {
  required: string[];
  at_least_one: string[];
  enums?: Record<string, number[]>;
}
interface ClassDefinition extends Definition {
  category: string;
  uid: number;
  activity_id: number[];
}
interface Excerpt {
  version: string;
  categories: Record<string, number | string>;
  base_event: { required: string[]; enums: Record<string, number[]> };
  classes: Record<string, ClassDefinition>;
  objects: Record<string, Definition>;
  attribute_objects: Record<string, string>;
}

const excerpt = JSON.parse(
  readFileSync(new URL('../fixtures/ocsf/ocsf-excerpt.json', import.meta.url), 'utf8'),
) as Excerpt;

type Json = Record<string, unknown>;

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function checkObject(path: string, value: unknown, definition: Definition, problems: string[]): void {
  if (typeof value !== 'object' || value === null) {
    problems.push(`${path} is not an object`);
    return;
  }
  const object = value as Json;
  for (const name of definition.required) {
    if (!present(object[name])) problems.push(`${path}.${name} is required`);
  }
  if (definition.at_least_one.length > 0 && !definition.at_least_one.some((name) => present(object[name]))) {
    problems.push(`${path} needs one of ${definition.at_least_one.join(', ')}`);
  }
  for (const [name, ids] of Object.entries(definition.enums ?? {})) {
    if (object[name] !== undefined && !ids.includes(object[name] as number)) {
      problems.push(`${path}.${name} = ${String(object[name])} is not in the enum`);
    }
  }
}

/** Checks a record against the excerpt: required attributes, constraints, enum ids, type_uid. */
function validate(record: Json): string[] {
  const problems: string[] = [];
  const entry = Object.entries(excerpt.classes).find(
    ([, c]) => (excerpt.categories[c.category] as number) * 1000 + c.uid === record.class_uid,
  );
  if (!entry) return [`class_uid ${String(record.class_uid)} is not one of the excerpt's classes`];
  const [, cls] = entry;
  const base: Definition = {
    required: excerpt.base_event.required,
    at_least_one: [],
    enums: excerpt.base_event.enums,
  };
  checkObject('event', record, base, problems);
  checkObject('event', record, cls, problems);
  if (record.category_uid !== excerpt.categories[cls.category])
    problems.push('category_uid does not match the class');
  if (!cls.activity_id.includes(record.activity_id as number)) {
    problems.push(`activity_id ${String(record.activity_id)} is not in the class's enum`);
  }
  if (record.type_uid !== (record.class_uid as number) * 100 + (record.activity_id as number)) {
    problems.push('type_uid is not class_uid * 100 + activity_id');
  }
  if (!Number.isInteger(record.time)) problems.push('time is not epoch milliseconds');
  for (const [path, objectName] of Object.entries(excerpt.attribute_objects)) {
    const value = path.split('.').reduce<unknown>((at, key) => (at as Json | undefined)?.[key], record);
    if (value !== undefined) checkObject(path, value, excerpt.objects[objectName]!, problems);
  }
  return problems;
}

const options = { productVersion: '0.1.0' };

describe('OCSF stream format', () => {
  it('declares the version its excerpt was taken for', () => {
    expect(OCSF_VERSION).toBe(excerpt.version);
  });

  it('validates against the excerpt for every sample event', () => {
    for (const event of SAMPLE_EVENTS) {
      expect({ action: event.action, problems: validate(ocsfEvent(event, options)) }).toEqual({
        action: event.action,
        problems: [],
      });
    }
  });

  it('the validator catches a broken record', () => {
    const record = ocsfEvent(SAMPLE_EVENTS[0]!, options);
    delete record.user;
    record.type_uid = 1;
    record.severity_id = 7;
    expect(validate(record)).toEqual([
      'event.severity_id = 7 is not in the enum',
      'event.user is required',
      'type_uid is not class_uid * 100 + activity_id',
    ]);
  });

  it('puts every class to use, with the activity the rules give', () => {
    const classes = SAMPLE_EVENTS.map((event) => {
      const record = ocsfEvent(event, options);
      return `${event.action} ${String(record.class_uid)}/${String(record.activity_id)}`;
    });
    expect(classes).toEqual([
      'user.login 3002/1',
      'user.login_failed 3002/1',
      'user.logout 3002/2',
      'accounts.signed_in 3002/1',
      'user.created 3001/1',
      'user.password_changed 3001/3',
      'member.role_changed 3001/99',
      'member.removed 3001/6',
      'template.created 3004/1',
      'api_key.iam_rule.update 3004/3',
      'retention.purged 3004/4',
      'audit_log.exported 3004/2',
      'alert.triggered 6003/99',
      'api.request 6003/4',
      'api.request 6003/99',
    ]);
  });

  it('classifies sign-in and sign-out spellings and leaves other verbs alone', () => {
    const cases: Record<string, string> = {
      'user.signin': 'authentication/1',
      'user.sign_in': 'authentication/1',
      'user.logged_in': 'authentication/1',
      'sso.logon_succeeded': 'authentication/1',
      'user.sign_out': 'authentication/2',
      'session.logoff': 'authentication/2',
      'user.signed_out': 'authentication/2',
      'user.updated': 'entity_management/3',
      'user.locked': 'account_change/9',
      'user.mfa_enabled': 'account_change/10',
      'member.invited': 'account_change/1',
      'login_page.viewed': 'entity_management/2',
      'report.generated': 'entity_management/1',
      'deployment.started': 'api_activity/99',
    };
    for (const [action, expected] of Object.entries(cases)) {
      const c = ocsfClassOf({ action });
      expect(`${action} ${c.className}/${c.activityId}`).toBe(`${action} ${expected}`);
    }
  });

  it('maps the actor, endpoint, request, status and metadata', () => {
    const login = ocsfEvent(SAMPLE_EVENTS[0]!, options);
    expect(login).toMatchObject({
      category_uid: 3,
      class_name: 'Authentication',
      status_id: 1,
      severity_id: 1,
      time: Date.parse('2026-11-01T10:00:00.000Z'),
      metadata: {
        version: '1.3.0',
        uid: 'evt_1',
        product: { name: 'Trailmark', vendor_name: 'Trailmark', version: '0.1.0' },
        sequence: 1,
      },
      user: { uid: 'usr_1', name: 'Ada Lovelace', email_addr: 'ada@example.com', type: 'User', type_id: 1 },
      actor: { user: { uid: 'usr_1' } },
      src_endpoint: { ip: '203.0.113.9', location: { country: 'DE', region: 'Berlin', city: 'Berlin' } },
      http_request: { user_agent: 'Mozilla/5.0 (X11; Linux x86_64)' },
      unmapped: { org: 'org_a', seq: 1, auth_type: 'session', client: { browser: 'Firefox' } },
    });
    const failedLogin = ocsfEvent(SAMPLE_EVENTS[1]!, options);
    expect(failedLogin).toMatchObject({ status_id: 2, status: 'Failure', severity_id: 3 });
    const request = ocsfEvent(SAMPLE_EVENTS[13]!, options);
    expect(request).toMatchObject({
      class_uid: 6003,
      type_uid: 600304,
      api: { operation: 'api.request', response: { code: 204 } },
      http_request: {
        http_method: 'DELETE',
        url: { path: '/api/v1/templates/tpl_9' },
        user_agent: 'curl/8.0',
      },
      http_response: { code: 204 },
      actor: { user: { uid: 'key_1', name: 'CI key', type: 'API Key', type_id: 99 } },
      unmapped: { request: { duration_ms: 12.5, api_key_last4: 'a1b2' } },
    });
    const created = ocsfEvent(SAMPLE_EVENTS[8]!, options);
    expect(created).toMatchObject({
      entity: { uid: 'tpl_9', name: 'Invoice', type: 'template' },
      message: 'Ada created template Invoice',
      unmapped: { workspace: 'ws_1', metadata: { changed_fields: ['name'] }, hash: SAMPLE_EVENTS[8]!.hash },
    });
    expect(ocsfEvent(SAMPLE_EVENTS[2]!, options).src_endpoint).toEqual({ name: 'unknown' });
  });

  it('stays valid JSON and valid OCSF with hostile strings', () => {
    const events = chainOf(
      HOSTILE_STRINGS.map((text) => ({
        action: 'user.login',
        occurred_at: '2026-11-01T10:00:00.000Z',
        actor: { type: 'user' as const, id: text || 'u', name: text },
        description: text,
      })),
    );
    for (const event of events) {
      const record = JSON.parse(JSON.stringify(ocsfEvent(event, options))) as Json;
      expect(validate(record)).toEqual([]);
      expect(record.message).toBe(event.description);
    }
  });
});
