import type { StoredEvent } from '../../domain/event.js';
import { eventKind } from '../../domain/event.js';

/**
 * Events as OCSF 1.3.0 (Open Cybersecurity Schema Framework) records. Which class an event lands
 * in is decided by its action alone (plus whether it is a request log entry), so a stream's
 * consumer can predict it; the rules are `ocsfClassOf` below and the table in docs/streams.md.
 * Everything the class has no attribute for goes to `unmapped`, so nothing of the event is lost.
 */

export const OCSF_VERSION = '1.3.0';

export const OCSF_CLASSES = {
  account_change: { uid: 3001, name: 'Account Change', category_uid: 3 },
  authentication: { uid: 3002, name: 'Authentication', category_uid: 3 },
  entity_management: { uid: 3004, name: 'Entity Management', category_uid: 3 },
  api_activity: { uid: 6003, name: 'API Activity', category_uid: 6 },
} as const;

export type OcsfClassName = keyof typeof OCSF_CLASSES;

const CATEGORY_NAMES: Record<number, string> = {
  3: 'Identity & Access Management',
  6: 'Application Activity',
};

export interface OcsfClassification {
  className: OcsfClassName;
  activityId: number;
  activityName: string;
}

const OTHER = 99;

/** Final action segments of a sign-in and a sign-out, with any `_suffix` (`login_failed`). */
const LOGON = /^(log_?in|log_?on|sign_?in|signed_?in|logged_?in)(_[a-z0-9_]+)?$/;
const LOGOFF = /^(log_?out|log_?off|sign_?out|signed_?out|logged_?out)(_[a-z0-9_]+)?$/;

/** Resources whose lifecycle is an account's: the first segment of the action. */
const ACCOUNT_RESOURCES = new Set(['user', 'member', 'account']);

type Activity = [number, string];

/** A table of activities by key, written as each activity followed by the keys that mean it. */
function activitiesBy(...groups: Array<[Activity, ...string[]]>): Record<string, Activity> {
  return Object.fromEntries(groups.flatMap(([activity, ...keys]) => keys.map((key) => [key, activity])));
}

/** Account Change activities (3001) by final action segment. */
const ACCOUNT_ACTIVITIES = activitiesBy(
  [[1, 'Create'], 'created', 'invited', 'registered', 'signed_up', 'added'],
  [[2, 'Enable'], 'enabled', 'activated', 'reactivated', 'unlocked'],
  [[3, 'Password Change'], 'password_changed', 'password_updated'],
  [[4, 'Password Reset'], 'password_reset'],
  [[5, 'Disable'], 'disabled', 'deactivated', 'suspended'],
  [[6, 'Delete'], 'deleted', 'removed'],
  [[9, 'Lock'], 'locked', 'locked_out'],
  [[10, 'MFA Factor Enable'], 'mfa_enabled'],
  [[11, 'MFA Factor Disable'], 'mfa_disabled'],
  [[OTHER, 'Role Change'], 'role_changed'],
);

/**
 * Create, read, update and delete by final action segment, for Entity Management (3004) and API
 * Activity (6003), whose activity ids 1 to 4 mean the same. Only ids 1 to 4 are used: they are in
 * every 1.x release of both classes.
 */
const CRUD: Array<[RegExp, number, string]> = [
  [
    /^(create|created|add|added|insert|inserted|import|imported|generate|generated|issue|issued)$/,
    1,
    'Create',
  ],
  [/(^|_)(created|added|generated|issued)$/, 1, 'Create'],
  [
    /^(read|view|viewed|get|fetched|retrieved|list|listed|access|accessed|download|downloaded|export|exported)$/,
    2,
    'Read',
  ],
  [/(^|_)(viewed|accessed|downloaded|exported)$/, 2, 'Read'],
  [
    /^(update|updated|change|changed|modify|modified|edit|edited|rename|renamed|set|replace|replaced|patch|patched|move|moved|enable|enabled|disable|disabled|activate|activated|deactivate|deactivated|suspend|suspended|resume|resumed|paused|restore|restored|rotate|rotated)$/,
    3,
    'Update',
  ],
  [/(^|_)(updated|changed|modified|renamed|enabled|disabled|rotated)$/, 3, 'Update'],
  [/^(delete|deleted|remove|removed|destroy|destroyed|purge|purged|revoke|revoked)$/, 4, 'Delete'],
  [/(^|_)(deleted|removed|destroyed|purged|revoked)$/, 4, 'Delete'],
];

function crudActivity(verb: string): Activity | undefined {
  for (const [pattern, id, name] of CRUD) if (pattern.test(verb)) return [id, name];
  return undefined;
}

/** API Activity (6003) by HTTP method, for request log entries. */
const METHOD_ACTIVITIES = activitiesBy(
  [[1, 'Create'], 'POST'],
  [[2, 'Read'], 'GET', 'HEAD'],
  [[3, 'Update'], 'PUT', 'PATCH'],
  [[4, 'Delete'], 'DELETE'],
);

/**
 * The class and activity of an event, first rule that matches:
 * 1. the final action segment is a sign-in or sign-out → Authentication, Logon (1) / Logoff (2);
 * 2. a request log entry → API Activity, activity from the HTTP method;
 * 3. the action's resource is `user`, `member` or `account` with a lifecycle verb → Account Change;
 * 4. a create/read/update/delete verb → Entity Management;
 * 5. anything else → API Activity, Other (99), named by the verb.
 */
export function ocsfClassOf(event: Pick<StoredEvent, 'action' | 'request'>): OcsfClassification {
  const segments = event.action.split('.');
  const verb = segments[segments.length - 1]!;
  const resource = segments[0]!;
  if (LOGON.test(verb)) return { className: 'authentication', activityId: 1, activityName: 'Logon' };
  if (LOGOFF.test(verb)) return { className: 'authentication', activityId: 2, activityName: 'Logoff' };
  if (eventKind(event) === 'request') {
    const [id, name] = METHOD_ACTIVITIES[event.request!.method] ?? [OTHER, event.request!.method];
    return { className: 'api_activity', activityId: id, activityName: name };
  }
  if (ACCOUNT_RESOURCES.has(resource)) {
    const account = ACCOUNT_ACTIVITIES[verb];
    if (account) return { className: 'account_change', activityId: account[0], activityName: account[1] };
  }
  const crud = crudActivity(verb);
  if (crud) return { className: 'entity_management', activityId: crud[0], activityName: crud[1] };
  return { className: 'api_activity', activityId: OTHER, activityName: verb };
}

/** Whether the action says the event failed (`login_failed`), whatever its status. */
function failedAction(action: string): boolean {
  return /(^|_)failed?$/.test(action.slice(action.lastIndexOf('.') + 1));
}

const USER_TYPES: Record<string, [number, string]> = {
  user: [1, 'User'],
  api_key: [OTHER, 'API Key'],
  service: [4, 'Service'],
  system: [3, 'System'],
};

type Json = Record<string, unknown>;

/**
 * What an event's action (and, for a request, its method) decides of its record: the class, the
 * activity, and whether the action says it failed. Worked out once per action: a stream formats
 * every event of an org, and an org uses few actions.
 */
interface Shape {
  className: OcsfClassName;
  activity_id: number;
  activity_name: string;
  category_uid: number;
  category_name: string | undefined;
  class_uid: number;
  class_name: string;
  type_uid: number;
  type_name: string;
  failedAction: boolean;
}

/** Shapes by action for audit events; by method, then action, for request log entries. */
const auditShapes = new Map<string, Shape>();
const requestShapes = new Map<string, Map<string, Shape>>();
/** Past this many actions the maps start over rather than grow. */
const MAX_SHAPES = 4096;
let shapeCount = 0;

function shapeOf(event: StoredEvent): Shape {
  let shapes = auditShapes;
  if (eventKind(event) === 'request') {
    const method = event.request!.method;
    let byAction = requestShapes.get(method);
    if (byAction === undefined) {
      byAction = new Map<string, Shape>();
      requestShapes.set(method, byAction);
    }
    shapes = byAction;
  }
  let shape = shapes.get(event.action);
  if (shape === undefined) {
    if (shapeCount >= MAX_SHAPES) {
      auditShapes.clear();
      requestShapes.clear();
      shapeCount = 0;
      return shapeOf(event);
    }
    const { className, activityId, activityName } = ocsfClassOf(event);
    const cls = OCSF_CLASSES[className];
    shape = {
      className,
      activity_id: activityId,
      activity_name: activityName,
      category_uid: cls.category_uid,
      category_name: CATEGORY_NAMES[cls.category_uid],
      class_uid: cls.uid,
      class_name: cls.name,
      type_uid: cls.uid * 100 + activityId,
      type_name: `${cls.name}: ${activityName}`,
      failedAction: failedAction(event.action),
    };
    shapes.set(event.action, shape);
    shapeCount++;
  }
  return shape;
}

/*
 * The record's objects are written as literals with every member they can have, those that do
 * not apply left undefined (JSON.stringify leaves them out). Each object then has one layout
 * whatever the event, which the serialiser reads fastest, and nothing is deleted from it.
 */

function actorUser(event: StoredEvent) {
  const actor = event.actor;
  const [typeId, type] = USER_TYPES[actor.type] ?? [OTHER, actor.type];
  return {
    uid: actor.id,
    name: actor.name ?? actor.email ?? actor.id,
    email_addr: actor.email,
    type,
    type_id: typeId,
  };
}

/** The user an account change is about: the resource when it is one, else whoever acted. */
function targetUser(event: StoredEvent) {
  const resource = event.resource;
  if (resource && ACCOUNT_RESOURCES.has(resource.type) && (resource.id || resource.name)) {
    return { uid: resource.id, name: resource.name ?? resource.id, type: 'User', type_id: 1 };
  }
  return actorUser(event);
}

function srcEndpoint(event: StoredEvent) {
  const ip = event.context?.ip;
  const location = event.context?.location;
  return {
    ip,
    location: location
      ? { country: location.country, region: location.region, city: location.city }
      : undefined,
    // API Activity requires a source endpoint; without an address, say plainly that it is unknown.
    name: ip === undefined ? 'unknown' : undefined,
  };
}

function httpRequest(event: StoredEvent) {
  const request = event.request;
  const userAgent = event.context?.user_agent;
  if (!request && !userAgent) return undefined;
  return {
    http_method: request?.method,
    url: request ? { path: request.path } : undefined,
    user_agent: userAgent,
  };
}

/** What no OCSF attribute carries: kept under `unmapped` so the record loses nothing. */
function unmapped(event: StoredEvent) {
  const request = event.request;
  return {
    org: event.org,
    seq: event.seq,
    prev_hash: event.prev_hash,
    hash: event.hash,
    action: event.action,
    actor_type: event.actor.type,
    workspace: event.workspace,
    resource: event.resource,
    auth_type: event.context?.auth_type,
    client: event.context?.client,
    request: request
      ? {
          status_code: request.status_code,
          duration_ms: request.duration_ms,
          api_key_last4: request.api_key_last4,
          query: request.query,
          params: request.params,
          body: request.body,
          headers: request.headers,
        }
      : undefined,
    metadata: event.metadata,
  };
}

function entity(event: StoredEvent) {
  const resource = event.resource;
  const type = resource?.type ?? event.action.slice(0, event.action.lastIndexOf('.'));
  return { uid: resource?.id, name: resource?.name ?? resource?.id ?? type, type };
}

const API_SERVICE = { name: 'Trailmark' };

export interface OcsfOptions {
  /** Trailmark's version, for `metadata.product.version`. */
  productVersion: string;
}

let product = { name: 'Trailmark', vendor_name: 'Trailmark', version: '' };

/** `metadata.product`, shared by the records of one version (every stream's is the same). */
function productOf(version: string) {
  if (product.version !== version) product = { name: 'Trailmark', vendor_name: 'Trailmark', version };
  return product;
}

/**
 * The event as an OCSF record, ready for JSON: members that do not apply to it are undefined
 * (JSON.stringify leaves them out). Shared parts (`metadata.product`, the event's own maps) are
 * the same objects from one record to the next: a record is read or serialised, not changed.
 */
export function ocsfEvent(event: StoredEvent, options: OcsfOptions): Json {
  const shape = shapeOf(event);
  const className = shape.className;
  const failure = event.status === 'failure' || shape.failedAction;
  const request = event.request;
  const code = request ? { code: request.status_code } : undefined;
  return {
    activity_id: shape.activity_id,
    activity_name: shape.activity_name,
    category_uid: shape.category_uid,
    category_name: shape.category_name,
    class_uid: shape.class_uid,
    class_name: shape.class_name,
    type_uid: shape.type_uid,
    type_name: shape.type_name,
    severity_id: failure ? 3 : 1,
    severity: failure ? 'Medium' : 'Informational',
    status_id: failure ? 2 : 1,
    status: failure ? 'Failure' : 'Success',
    time: Date.parse(event.occurred_at),
    message: event.description,
    metadata: {
      version: OCSF_VERSION,
      uid: event.id,
      product: productOf(options.productVersion),
      log_name: eventKind(event),
      logged_time: Date.parse(event.received_at),
      original_time: event.occurred_at,
      sequence: event.seq,
    },
    actor: { user: actorUser(event) },
    src_endpoint: srcEndpoint(event),
    http_request: httpRequest(event),
    unmapped: unmapped(event),
    // The class's own members.
    // Authentication: the subject that signed in, and the service signed in to (the class asks
    // for a service or a destination: the org the sign-in was recorded for).
    // Account Change: the account changed. Entity Management: the entity.
    // API Activity: the operation, the response, the resource.
    user:
      className === 'authentication'
        ? actorUser(event)
        : className === 'account_change'
          ? targetUser(event)
          : undefined,
    service: className === 'authentication' ? { name: event.org, uid: event.org } : undefined,
    status_detail: className === 'authentication' && failure ? event.action : undefined,
    entity: className === 'entity_management' ? entity(event) : undefined,
    api:
      className === 'api_activity'
        ? { operation: event.action, service: API_SERVICE, request: { uid: event.id }, response: code }
        : undefined,
    http_response: className === 'api_activity' ? code : undefined,
    resources:
      className === 'api_activity' && event.resource
        ? [{ uid: event.resource.id, name: event.resource.name, type: event.resource.type }]
        : undefined,
  };
}

export function ocsfJson(event: StoredEvent, options: OcsfOptions): string {
  return JSON.stringify(ocsfEvent(event, options));
}
