import {
  DEFAULT_STREAM_BATCH,
  STREAM_REQUIRED_SECRETS,
  STREAM_REQUIRED_SETTINGS,
  STREAM_SECRET_FIELDS,
  type Stream,
  type StreamBatch,
  type StreamDelivery,
  type StreamDestinationInput,
  type StreamDestinationType,
  type StreamDestinationView,
  type StreamFilter,
  type StreamFormatId,
} from '../contracts/streams.js';
import { generateWebhookSecret } from '../delivery/standard-webhooks.js';
import { AppError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { StreamChanges, StreamRecord } from '../store/stream-store.js';
import { audited, type Cause, type ChangeDeps, causedBy } from './audited.js';

/**
 * Streams' configuration (SPEC §8): create, update, delete, pause and resume, each with its
 * `stream.*` event. Delivery itself is src/workers/streams. Secrets are stored and never
 * answered (`streamView` leaves them out and names those set).
 */

export interface StreamInput {
  name: string;
  format: StreamFormatId;
  destination: StreamDestinationInput;
  filter?: Partial<StreamFilter>;
  batch?: Partial<StreamBatch>;
  /** 'now' (default): the events after this change; 'beginning': the whole log. */
  start_from?: 'now' | 'beginning';
}

export type StreamUpdate = Partial<Omit<StreamInput, 'start_from'>>;

function checkDestination(destination: Record<string, unknown>, path: string): void {
  const type = destination.type as StreamDestinationType;
  const missing = [...STREAM_REQUIRED_SETTINGS[type], ...STREAM_REQUIRED_SECRETS[type]].filter(
    (key) => destination[key] === undefined,
  );
  if (missing.length > 0) {
    throw new AppError('validation', `a ${type} destination needs ${missing.join(', ')}`, {
      errors: missing.map((key) => ({ path: `${path}/${key}`, message: `required for ${type}` })),
    });
  }
}

const filterOf = (f: Partial<StreamFilter> | undefined): StreamFilter => ({
  actions: f?.actions ?? [],
  kinds: f?.kinds ?? [],
});
const batchOf = (
  b: Partial<StreamBatch> | undefined,
  base: StreamBatch = DEFAULT_STREAM_BATCH,
): StreamBatch => ({
  ...base,
  ...b,
});

function describe(stream: Pick<StreamRecord, 'id' | 'name' | 'destination' | 'format'>) {
  return {
    resource: { type: 'stream', id: stream.id, name: stream.name },
    metadata: { destination: stream.destination.type, format: stream.format },
  };
}

function notFound(): AppError {
  return new AppError('not_found', 'no such stream');
}

export async function createStream(
  deps: ChangeDeps,
  org: string,
  input: StreamInput,
  cause: Cause,
): Promise<{ stream: StreamRecord; generatedSecret?: string }> {
  const destination: Record<string, unknown> & { type: string } = { ...input.destination };
  let generatedSecret: string | undefined;
  if (destination.type === 'webhook' && destination.secret === undefined) {
    generatedSecret = generateWebhookSecret();
    destination.secret = generatedSecret;
  }
  checkDestination(destination, '/destination');
  const now = deps.now().toISOString();
  const stream: StreamRecord = {
    id: newId('str', deps.now().getTime()),
    org,
    name: input.name,
    format: input.format,
    destination,
    filter: filterOf(input.filter),
    batch: batchOf(input.batch),
    status: 'active',
    paused_reason: null,
    created_at: now,
    updated_at: now,
    created_by: causedBy(cause),
    last_success_at: null,
    last_error: null,
    last_error_at: null,
    failing_since: null,
  };
  await audited(deps, cause, async (tx, record) => {
    await tx.streams.create(stream, input.start_from ?? 'now');
    record(org, 'stream.created', {
      ...describe(stream),
      description: `Stream ${stream.name} to ${destination.type} created`,
    });
  });
  return generatedSecret ? { stream, generatedSecret } : { stream };
}

export async function updateStream(
  deps: ChangeDeps,
  org: string,
  id: string,
  update: StreamUpdate,
  cause: Cause,
): Promise<StreamRecord> {
  const current = await deps.store.streams.get(org, id);
  if (!current) throw notFound();
  const changes: StreamChanges = {};
  if (update.name !== undefined) changes.name = update.name;
  if (update.format !== undefined) changes.format = update.format;
  if (update.filter !== undefined) changes.filter = filterOf({ ...current.filter, ...update.filter });
  if (update.batch !== undefined) changes.batch = batchOf(update.batch, current.batch);
  if (update.destination !== undefined) {
    // Secrets left out are kept when the type stays the same.
    const kept: Record<string, unknown> = {};
    if (update.destination.type === current.destination.type) {
      for (const key of STREAM_SECRET_FIELDS[update.destination.type]) {
        if (current.destination[key] !== undefined) kept[key] = current.destination[key];
      }
    }
    const destination = { ...kept, ...update.destination };
    checkDestination(destination, '/destination');
    changes.destination = destination;
  }
  const at = deps.now().toISOString();
  const updated = { ...current, ...changes, updated_at: at };
  await audited(deps, cause, async (tx, record) => {
    if (!(await tx.streams.update(org, id, changes, at))) throw notFound();
    record(org, 'stream.updated', {
      ...describe(updated),
      description: `Stream ${updated.name} updated`,
      metadata: { ...describe(updated).metadata, changed: Object.keys(changes) },
    });
  });
  return updated;
}

export async function deleteStream(deps: ChangeDeps, org: string, id: string, cause: Cause): Promise<void> {
  const current = await deps.store.streams.get(org, id);
  if (!current) throw notFound();
  await audited(deps, cause, async (tx, record) => {
    if (!(await tx.streams.delete(org, id))) throw notFound();
    record(org, 'stream.deleted', { ...describe(current), description: `Stream ${current.name} deleted` });
  });
}

/** Pauses (a person, or delivery after 24 h of failure: `cause.principal` null) or resumes. */
export async function setStreamStatus(
  deps: ChangeDeps,
  org: string,
  id: string,
  status: 'active' | 'paused',
  reason: string | null,
  cause: Cause,
): Promise<StreamRecord> {
  const current = await deps.store.streams.get(org, id);
  if (!current) throw notFound();
  if (current.status === status) return current;
  const at = deps.now().toISOString();
  await audited(deps, cause, async (tx, record) => {
    if (!(await tx.streams.setStatus(org, id, status, reason, at))) throw notFound();
    record(org, status === 'paused' ? 'stream.paused' : 'stream.resumed', {
      ...describe(current),
      description:
        status === 'paused'
          ? `Stream ${current.name} paused${reason ? `: ${reason}` : ''}`
          : `Stream ${current.name} resumed`,
      ...(reason ? { metadata: { ...describe(current).metadata, reason } } : {}),
    });
  });
  return {
    ...current,
    status,
    paused_reason: status === 'paused' ? reason : null,
    updated_at: at,
    ...(status === 'active' ? { failing_since: null } : {}),
  };
}

/** The stream as the API answers it: no secrets, delivery state beside it. */
export function streamView(
  stream: StreamRecord,
  lag: { events: number; seconds: number; cursor: number; head: number },
): Stream {
  const type = stream.destination.type as StreamDestinationType;
  const secretKeys = new Set(STREAM_SECRET_FIELDS[type]);
  const destination: Record<string, unknown> = {};
  const secretsSet: string[] = [];
  for (const [key, value] of Object.entries(stream.destination)) {
    if (secretKeys.has(key)) secretsSet.push(key);
    else destination[key] = value;
  }
  const delivery: StreamDelivery = {
    lag_events: lag.events,
    lag_seconds: Math.round(lag.seconds * 1000) / 1000,
    cursor: lag.cursor,
    head: lag.head,
    last_success_at: stream.last_success_at,
    last_error: stream.last_error,
    last_error_at: stream.last_error_at,
    failing_since: stream.failing_since,
  };
  return {
    id: stream.id,
    name: stream.name,
    format: stream.format,
    destination: destination as StreamDestinationView,
    secrets_set: secretsSet,
    filter: stream.filter,
    batch: stream.batch,
    status: stream.status,
    paused_reason: stream.paused_reason,
    created_at: stream.created_at,
    updated_at: stream.updated_at,
    delivery,
  };
}
