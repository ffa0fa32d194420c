/**
 * Trailmark's own actions: the events it records about itself in an org's log (SPEC §5). The list
 * is closed: the self-event builder takes only these names, so a new kind of change cannot be
 * recorded under a name that is not listed here. Browser-safe, with no imports.
 */
export const SELF_ACTIONS = [
  'user.login',
  'user.login_failed',
  'user.logout',
  'user.password_changed',
  'organization.created',
  'organization.updated',
  'member.invited',
  'member.added',
  'member.role_changed',
  'member.removed',
  'role.created',
  'role.updated',
  'role.deleted',
  'api_key.created',
  'api_key.status_updated',
  'api_key.deleted',
  'viewer_token.created',
  'viewer_token.revoked',
  'retention.updated',
  'retention.purged',
  'audit_log.viewed',
  'audit_log.exported',
  'audit_log_export.created',
  'audit_log_schema.created',
  'alert_rule.created',
  'alert_rule.updated',
  'alert_rule.deleted',
  'alert.triggered',
  'alert.acknowledged',
  'alert.resolved',
  'alert_channel.created',
  'alert_channel.updated',
  'alert_channel.deleted',
  'detector.updated',
  'stream.created',
  'stream.updated',
  'stream.deleted',
  'stream.paused',
  'stream.resumed',
] as const;

export type SelfAction = (typeof SELF_ACTIONS)[number];
