import type { Logger } from 'pino';
import { type RetryPolicy, retryDelayMs } from '../../delivery/retry-policy.js';
import type { SendResult } from '../../delivery/send-result.js';
import type { DeliveryRecord } from '../../store/alert-store.js';
import type { AuditStore } from '../../store/store.js';
import { type NotifyDeps, sendAlert } from './notify.js';

/**
 * Sends queued alert notifications (one delivery per alert and channel, queued with the alert
 * in its transaction) and retries the failed ones with exponential backoff and full jitter, a
 * bounded number of times. On a shared database one process sends at a time (a lease), so a
 * notification is not sent twice by two processes; a process that dies mid-send leaves the
 * delivery pending, and it is sent again after its lease expires: at least once.
 */

export interface NotifierOptions {
  store: AuditStore;
  log: Logger;
  holder: string;
  notify: NotifyDeps;
  now: () => Date;
  policy?: RetryPolicy;
  /** Attempts before a delivery is given up as failed. */
  maxAttempts?: number;
  /** How often it looks for due deliveries when not woken. */
  pollMs?: number;
}

export const ALERT_RETRY_POLICY: RetryPolicy = {
  baseDelayMs: 1_000,
  maxDelayMs: 5 * 60_000,
  maxRetryAfterMs: 10 * 60_000,
  giveUpAfterMs: 24 * 60 * 60_000,
};

const LEASE = 'alert-notifier';
const LEASE_MS = 60_000;
const BATCH = 50;

export class AlertNotifier {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private again = false;
  private stopped = true;
  private readonly policy: RetryPolicy;
  private readonly maxAttempts: number;
  private readonly pollMs: number;

  constructor(private readonly options: NotifierOptions) {
    this.policy = options.policy ?? ALERT_RETRY_POLICY;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.pollMs = options.pollMs ?? 1_000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => {});
    await this.options.store.leases.release(LEASE, this.options.holder).catch(() => {});
  }

  /** New deliveries were queued: look at once. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runNow().then(
        (sent) => this.schedule(sent > 0 || this.again ? 0 : this.pollMs),
        (error: unknown) => {
          this.options.log.error({ err: error }, 'alert notifications: run failed');
          this.schedule(this.pollMs);
        },
      );
    }, delayMs);
    this.timer.unref();
  }

  /** Sends what is due now (if this process holds the lease); answers how many were tried. */
  runNow(): Promise<number> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<number> {
    this.again = false;
    const { store, holder } = this.options;
    const nowMs = this.options.now().getTime();
    if (!(await store.leases.acquire(LEASE, holder, LEASE_MS, nowMs))) return 0;
    const due = await store.alerts.dueDeliveries(nowMs, BATCH);
    await Promise.all(due.map((d) => this.deliver(d)));
    return due.length;
  }

  private async deliver(delivery: DeliveryRecord): Promise<void> {
    const { store } = this.options;
    const [alert, channel] = await Promise.all([
      store.alerts.getAlert(delivery.org, delivery.alert_id),
      store.alerts.getChannel(delivery.org, delivery.channel_id),
    ]);
    let result: SendResult;
    if (!alert) result = { outcome: 'permanent', delivered: 0, reason: 'the alert no longer exists' };
    else if (!channel) result = { outcome: 'permanent', delivered: 0, reason: 'the channel was deleted' };
    else if (!channel.enabled)
      result = { outcome: 'permanent', delivered: 0, reason: 'the channel is disabled' };
    else result = await sendAlert(channel, alert, this.options.notify);
    const now = this.options.now();
    const attempts = delivery.attempts + 1;
    const next: DeliveryRecord = { ...delivery, attempts };
    if (result.outcome === 'delivered') {
      Object.assign(next, {
        status: 'delivered',
        next_attempt_at: null,
        last_error: null,
        delivered_at: now.toISOString(),
      });
    } else if (result.outcome === 'permanent' || attempts >= this.maxAttempts) {
      Object.assign(next, { status: 'failed', next_attempt_at: null, last_error: result.reason });
    } else {
      const delay = retryDelayMs(attempts - 1, result.retryAfterMs, this.policy);
      Object.assign(next, { next_attempt_at: now.getTime() + delay, last_error: result.reason });
    }
    if (result.outcome !== 'delivered') {
      this.options.log.warn(
        { alert: delivery.alert_id, channel: delivery.channel_id, attempts, reason: result.reason },
        next.status === 'failed' ? 'alert notification failed' : 'alert notification will be retried',
      );
    }
    await store.transaction((tx) => tx.alerts.updateDelivery(next));
  }
}
