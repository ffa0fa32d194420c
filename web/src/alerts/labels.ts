import type { AlertView } from '../api/types.js';

/** How the alert pages show severities and statuses. */
export const SEVERITY_VARIANT = {
  low: 'muted',
  medium: 'secondary',
  high: 'warning',
  critical: 'destructive',
} as const satisfies Record<AlertView['severity'], string>;

export const STATUS_VARIANT = {
  open: 'destructive',
  acknowledged: 'warning',
  resolved: 'success',
} as const satisfies Record<AlertView['status'], string>;

/** The audit log page with the alert's matching events, its filters applied. */
export function eventsHref(alert: Pick<AlertView, 'event_filter'>, org: string | undefined): string {
  const params = new URLSearchParams(alert.event_filter);
  if (org) params.set('org', org);
  return `/settings/audit-log?${params}`;
}

/** What a rule counts its events per (`group_by`). */
export const RULE_GROUPINGS = [
  { value: 'none', label: 'All together' },
  { value: 'actor', label: 'Per actor' },
  { value: 'ip', label: 'Per IP address' },
  { value: 'api_key', label: 'Per API key' },
  { value: 'resource', label: 'Per resource' },
];
