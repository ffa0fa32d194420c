import type { AlertSeverity, ChannelType } from '../contracts/alerts.js';
import { generateWebhookSecret, webhookKey } from '../delivery/standard-webhooks.js';
import { AppError, type FieldIssue, validationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { AlertChannelRecord } from '../store/alert-store.js';
import {
  auditedIn,
  auditedOn,
  changedFields,
  changeMetadata,
  type Existing,
  type OrgChange,
} from './audited.js';

/**
 * An org's notification channels (SPEC §7): a signed webhook, email over SMTP, a Slack-compatible
 * incoming webhook. Secrets (a webhook's signing secret, a Slack URL, which is itself the
 * credential) are write-only: stored, used to send, never answered or recorded, except a
 * webhook secret Trailmark generates, which its creator is shown once.
 */

export interface ChannelInput {
  name: string;
  type: ChannelType;
  enabled?: boolean;
  min_severity?: AlertSeverity;
  url?: string;
  to?: string[];
  secret?: string;
}

export type ChannelChanges = Partial<Omit<ChannelInput, 'type'>>;

function checkUrl(url: string | undefined, path: string, issues: FieldIssue[]): void {
  if (url === undefined) return;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    issues.push({ path, message: 'must be an http or https URL' });
  }
}

/** The channel as it would be stored, checked whole: what each type needs is there. */
function check(channel: AlertChannelRecord): void {
  const issues: FieldIssue[] = [];
  if (channel.type === 'webhook') {
    if (!channel.config.url) issues.push({ path: '/url', message: 'a webhook channel needs a url' });
    checkUrl(channel.config.url, '/url', issues);
    if (channel.secret !== null) {
      try {
        webhookKey(channel.secret);
      } catch (error) {
        issues.push({ path: '/secret', message: (error as Error).message });
      }
    }
  } else if (channel.type === 'slack') {
    if (!channel.secret)
      issues.push({ path: '/url', message: 'a slack channel needs its incoming-webhook url' });
    checkUrl(channel.secret ?? undefined, '/url', issues);
  } else if (!channel.config.to?.length) {
    issues.push({ path: '/to', message: 'an email channel needs at least one recipient' });
  }
  if (issues.length) throw validationError(issues);
}

/** What may be recorded about a channel: never its secret. */
function publicFields(channel: AlertChannelRecord): Record<string, unknown> {
  return {
    name: channel.name,
    type: channel.type,
    enabled: channel.enabled,
    min_severity: channel.min_severity,
    ...channel.config,
  };
}

/** The channel `id`, as a change finds it. */
function channel(id: string): Existing<AlertChannelRecord> {
  return { read: (tx, org) => tx.alerts.getChannel(org, id), name: `alert channel ${id}` };
}

export async function createAlertChannel(
  change: OrgChange,
  input: ChannelInput,
): Promise<{ channel: AlertChannelRecord; generatedSecret?: string }> {
  const generatedSecret = input.type === 'webhook' && !input.secret ? generateWebhookSecret() : undefined;
  return auditedIn(change, async ({ tx, record, at, org }) => {
    const channel: AlertChannelRecord = {
      org,
      id: newId('chan'),
      name: input.name,
      type: input.type,
      enabled: input.enabled ?? true,
      min_severity: input.min_severity ?? 'low',
      config:
        input.type === 'email'
          ? { to: input.to ?? [] }
          : input.type === 'webhook'
            ? { url: input.url ?? '' }
            : {},
      secret:
        input.type === 'slack'
          ? (input.url ?? null)
          : input.type === 'webhook'
            ? (input.secret ?? generatedSecret!)
            : null,
      created_at: at,
      updated_at: at,
    };
    check(channel);
    await tx.alerts.insertChannel(channel);
    await tx.alerts.bumpConfig(org, at);
    record('alert_channel.created', {
      resource: { type: 'alert_channel', id: channel.id, name: channel.name },
      description: `Alert channel ${channel.name} (${channel.type}) created`,
      metadata: { channel: publicFields(channel) },
    });
    return generatedSecret ? { channel, generatedSecret } : { channel };
  });
}

export async function updateAlertChannel(
  change: OrgChange,
  id: string,
  changes: ChannelChanges,
): Promise<AlertChannelRecord> {
  return auditedOn(change, channel(id), async (before, { tx, record, at, org }) => {
    const after: AlertChannelRecord = {
      ...before,
      name: changes.name ?? before.name,
      enabled: changes.enabled ?? before.enabled,
      min_severity: changes.min_severity ?? before.min_severity,
      config: {
        ...before.config,
        ...(before.type === 'webhook' && changes.url !== undefined ? { url: changes.url } : {}),
        ...(before.type === 'email' && changes.to !== undefined ? { to: changes.to } : {}),
      },
      secret:
        before.type === 'slack' && changes.url !== undefined
          ? changes.url
          : before.type === 'webhook' && changes.secret !== undefined
            ? changes.secret
            : before.secret,
      updated_at: at,
    };
    if (before.type !== 'webhook' && changes.secret !== undefined) {
      throw validationError([{ path: '/secret', message: `a ${before.type} channel has no signing secret` }]);
    }
    if (before.type !== 'email' && changes.to !== undefined) {
      throw validationError([{ path: '/to', message: `a ${before.type} channel has no recipients` }]);
    }
    check(after);
    const changed = changedFields(publicFields(before), publicFields(after));
    if (after.secret !== before.secret) changed.push('secret');
    if (changed.length === 0) return before;
    await tx.alerts.updateChannel(after);
    await tx.alerts.bumpConfig(org, at);
    const shown = changed.filter((f) => f !== 'secret' && !(before.type === 'slack' && f === 'url'));
    record('alert_channel.updated', {
      resource: { type: 'alert_channel', id, name: after.name },
      description: `Alert channel ${after.name} updated`,
      metadata: changeMetadata(changed, publicFields(before), publicFields(after), shown),
    });
    return after;
  });
}

export async function deleteAlertChannel(change: OrgChange, id: string): Promise<void> {
  await auditedOn(change, channel(id), async (before, { tx, record, at, org }) => {
    const users = (await tx.alerts.listRules(org)).filter((r) => r.channel_ids?.includes(id));
    if (users.length) {
      throw new AppError(
        'conflict',
        `alert channel ${before.name} is used by the rule ${users[0]!.name}: remove it from the rule first`,
      );
    }
    await tx.alerts.deleteChannel(org, id);
    await tx.alerts.bumpConfig(org, at);
    record('alert_channel.deleted', {
      resource: { type: 'alert_channel', id, name: before.name },
      description: `Alert channel ${before.name} deleted`,
      metadata: { channel: publicFields(before) },
    });
  });
}
