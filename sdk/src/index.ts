export {
  type ActionHelpers,
  type ActionInput,
  type ApiKeyInput,
  actionSegment,
  events,
  type LoginFailedInput,
  type MemberInput,
  type MemberRef,
  type ResourceInput,
  type RoleChangedInput,
} from './actions.js';
export type { RetryOptions } from './backoff.js';
export {
  type OverflowPolicy,
  type Recorded,
  type ShutdownResult,
  Trailmark,
  type TrailmarkOptions,
  type TrailmarkStats,
} from './client.js';
export type { RetryNotice } from './deliver.js';
export { TrailmarkError, type TrailmarkErrorKind } from './errors.js';
export { type FetchLike, SDK_VERSION } from './http.js';
export { newEventId } from './ids.js';
export type { ExportFilters, ExportFormat, ExportOptions, NodeWritableLike } from './reader.js';
export { isSecretName, REDACTED, redactFields, redactHeaders } from './redact.js';
export type { Spool, SpooledEvent } from './spool.js';
export * from './types.js';
