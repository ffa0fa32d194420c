import type { Logger } from 'pino';
import type { ChangeDeps } from '../../operations/audited.js';
import type { LogConsumers } from '../consumers/log-consumers.js';
import { AlertsConsumer } from './consumer.js';
import { AlertNotifier, type NotifierOptions } from './notifier.js';
import type { NotifyDeps } from './notify.js';

/**
 * Alerting's moving parts in one process: the alerts consumer, registered with the log
 * consumers' runner (which feeds it each org's events from its durable cursor, one process per
 * org on a shared database), and the notifier that sends what it stores.
 */
export interface AlertServices {
  consumer: AlertsConsumer;
  notifier: AlertNotifier;
  notify: NotifyDeps;
  start(): void;
  stop(): Promise<void>;
}

export function createAlertServices(options: {
  deps: ChangeDeps;
  consumers: LogConsumers;
  log: Logger;
  holder: string;
  notify: NotifyDeps;
  notifier?: Partial<Pick<NotifierOptions, 'policy' | 'maxAttempts' | 'pollMs'>>;
  /**
   * false: rules and detectors do not read the log in this process (its alerts can still be
   * listed and acknowledged). Detectors append `alert.triggered` to an org's own log on their
   * own schedule, which a test counting events or reading the chain head must not see.
   */
  detect?: boolean;
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
  if (options.detect !== false) options.consumers.register(consumer);
  return {
    consumer,
    notifier,
    notify: options.notify,
    start: () => notifier.start(),
    stop: () => notifier.stop(),
  };
}
