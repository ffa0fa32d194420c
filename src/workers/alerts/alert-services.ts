import type { Logger } from 'pino';
import type { StoredEvent } from '../../domain/event.js';
import type { ChangeDeps } from '../../operations/audited.js';
import { AlertsConsumer } from './consumer.js';
import { AlertNotifier, type NotifierOptions } from './notifier.js';
import type { NotifyDeps } from './notify.js';

/**
 * Alerting's moving parts in one process: the alerts consumer (fed by the log consumers'
 * runner), and the notifier that sends what it stores.
 */
export interface AlertServices {
  consumer: AlertsConsumer;
  notifier: AlertNotifier;
  notify: NotifyDeps;
  /** Events were committed: look for new ones at once. */
  wake(): void;
  start(): void;
  stop(): Promise<void>;
}

const CHUNK = 1000;

/**
 * Feeds the consumer each org's events after the seq its stored engine state reached, polling
 * and woken by ingest. Several processes on one database may feed it at once: the engine
 * state's row lock serialises them, and what one stored the other skips.
 */
class EnginePositionRunner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(
    private readonly deps: ChangeDeps,
    private readonly consumer: AlertsConsumer,
    private readonly log: Logger,
    private readonly pollMs: number,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => {});
  }

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
      this.again = false;
      this.running = this.runOnce()
        .catch((error: unknown) => this.log.error({ err: error }, 'alerts: consumer run failed'))
        .finally(() => {
          this.running = undefined;
          this.schedule(this.again ? 0 : this.pollMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  async runOnce(): Promise<void> {
    const { store } = this.deps;
    for (const org of await store.listOrgs()) {
      if (this.stopped) return;
      const head = await store.chainHead(org.id);
      const from = ((await store.alerts.engineState(org.id))?.last_seq ?? 0) + 1;
      if (head.seq < from) continue;
      let chunk: StoredEvent[] = [];
      for await (const event of store.streamChain(org.id, from)) {
        chunk.push(event);
        if (chunk.length >= CHUNK) {
          await this.consumer.consume(org.id, chunk);
          chunk = [];
        }
        if (event.seq >= head.seq) break;
      }
      if (chunk.length) await this.consumer.consume(org.id, chunk);
    }
  }
}

export function createAlertServices(options: {
  deps: ChangeDeps;
  log: Logger;
  holder: string;
  notify: NotifyDeps;
  notifier?: Partial<Pick<NotifierOptions, 'policy' | 'maxAttempts' | 'pollMs'>>;
  pollMs?: number;
}): AlertServices {
  const notifier = new AlertNotifier({
    store: options.deps.store,
    log: options.log,
    holder: options.holder,
    notify: options.notify,
    now: options.deps.now,
    ...options.notifier,
  });
  const consumer = new AlertsConsumer({ deps: options.deps, onAlerts: () => notifier.wake() });
  const runner = new EnginePositionRunner(options.deps, consumer, options.log, options.pollMs ?? 500);
  return {
    consumer,
    notifier,
    notify: options.notify,
    wake: () => runner.wake(),
    start() {
      runner.start();
      notifier.start();
    },
    async stop() {
      await runner.stop();
      await notifier.stop();
    },
  };
}
