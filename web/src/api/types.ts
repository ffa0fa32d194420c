/**
 * The /v1 API's shapes and constants, from src/contracts: the server builds from the same
 * modules, so a change to a shape is a change on both sides. The labels are the dashboard's own.
 */
import type { Permission } from '../../../src/contracts/permissions.js';

export { ALERT_SEVERITIES, CHANNEL_TYPES } from '../../../src/contracts/alert-kinds.js';
export type {
  AlertChannelView,
  AlertList,
  AlertRuleView,
  AlertView,
  DetectorView,
} from '../../../src/contracts/alerts.js';
export type {
  ActionCount,
  ApiKey,
  CreatedApiKey,
  Invitation,
  Member,
  MemberList,
  Membership,
  Org,
  Page,
  PendingInvitation,
  Role,
  RoleList,
  SessionView,
} from '../../../src/contracts/api.js';
export type { ChainStatus, Verification, VerifyFailure } from '../../../src/contracts/chain.js';
export type { StoredEvent as AuditEvent } from '../../../src/contracts/event.js';
export { MIN_PASSWORD_LENGTH } from '../../../src/contracts/passwords.js';
export { API_KEY_SCOPES, PERMISSIONS, type Permission } from '../../../src/contracts/permissions.js';
export {
  DATADOG_SITES,
  STREAM_DESTINATION_TYPES,
  STREAM_FORMAT_NAMES,
  STREAM_KINDS,
  type StreamDestinationType,
  type StreamFormatId,
} from '../../../src/contracts/stream-kinds.js';
export type { CreatedStream, Stream, StreamList, StreamTestResult } from '../../../src/contracts/streams.js';

export const PERMISSION_LABELS: Record<Permission, string> = {
  viewAuditLog: 'View audit log',
  exportAuditLog: 'Export audit log',
  manageMembers: 'Manage members',
  manageApiKeys: 'Manage API keys',
  manageAlerts: 'Manage alerts',
  manageStreams: 'Manage streams',
  manageSettings: 'Manage settings',
};
