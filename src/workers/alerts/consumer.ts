import type { StoredEvent } from '../../domain/event.js';
import { newId } from '../../domain/ids.js';
import { recordAlerts } from '../../operations/alerts.js';
import type { ChangeDeps } from '../../operations/audited.js';
import type { AlertRuleRecord, EngineStateRecord, NewAlert } from '../../store/alert-store.js';
import type { LogConsumer } from '../consumers/log-consumer.js';
import { DETECTORS, type DetectorOverrides } from './detectors/index.js';
import { AlertEngine, type EngineState } from './engine.js';
import type { AlertRule } from './rules.js';
import type { DetectorId, Firing } from './types.js';

/**
 * The alerts log consumer (registered with LogConsumers): runs each org's events through its alert engine (detectors and
 * rules) and stores what fires. The engine's state is stored in the same transaction as the
 * alerts and their `alert.triggered` events, with the last seq it processed; events at or below
 * it are skipped, so events handed over again after a restart (the consumer's cursor commits
 * after this) raise nothing twice, and none is lost. The engine stays in memory between
 * batches while the stored state is the one it left (same seq, same settings version).
 */

interface CachedEngine {
  engine: AlertEngine;
  state: EngineState;
  configVersion: number;
  ruleNames: Map<string, string>;
}

export interface AlertsConsumerOptions {
  deps: ChangeDeps;
  /** Told of the alerts each batch stored (the notifier sends them). */
  onAlerts?: (org: string, alerts: NewAlert[]) => void;
  /** See EngineOptions.maxLatenessMs. */
  maxLatenessMs?: number;
}

function ruleOf(record: AlertRuleRecord): AlertRule {
  return {
    ...(record.spec as Omit<AlertRule, 'id' | 'name' | 'enabled'>),
    id: record.id,
    name: record.name,
    enabled: record.enabled,
  };
}

export class AlertsConsumer implements LogConsumer {
  readonly name = 'alerts';
  readonly orgs = 'all' as const;
  /** Each call stores the engine's state in a transaction: fewer, larger ones keep up with ingest. */
  readonly batchEvents = 10_000;
  /**
   * Each call also serialises and stores the engine's whole state (every window and seen
   * history, whatever the batch's size) in a main-thread transaction that pauses the ingest
   * writer: under full-rate ingest, once a second rather than at every commit.
   */
  readonly restMs = 1000;
  private readonly engines = new Map<string, CachedEngine>();

  constructor(private readonly options: AlertsConsumerOptions) {}

  async consume(orgId: string, events: readonly StoredEvent[]): Promise<number | undefined> {
    const { deps } = this.options;
    try {
      const created = await recordAlerts(deps, orgId, async (alerts, stored) => {
        const settings = await alerts.settings(orgId);
        let cached = this.engines.get(orgId);
        if (
          !cached ||
          cached.configVersion !== settings.config_version ||
          cached.state.lastSeq !== (stored?.last_seq ?? 0)
        ) {
          const rules = await alerts.listRules(orgId);
          const engine = new AlertEngine(
            { detectors: settings.detectors as DetectorOverrides, rules: rules.map(ruleOf) },
            this.options.maxLatenessMs !== undefined ? { maxLatenessMs: this.options.maxLatenessMs } : {},
          );
          const state = engine.restore(stored ? JSON.parse(stored.state) : undefined);
          if (stored) state.lastSeq = Math.max(state.lastSeq, stored.last_seq);
          cached = {
            engine,
            state,
            configVersion: settings.config_version,
            ruleNames: new Map(rules.map((r) => [r.id, r.name])),
          };
          this.engines.set(orgId, cached);
        }
        const firings = cached.engine.process(cached.state, events);
        const now = deps.now();
        const state: EngineStateRecord = {
          last_seq: cached.state.lastSeq,
          config_version: cached.configVersion,
          state: JSON.stringify(cached.engine.snapshot(cached.state)),
        };
        return { alerts: firings.map((f) => this.toAlert(f, cached!, now)), state };
      });
      if (created.length) this.options.onAlerts?.(orgId, created);
      return undefined;
    } catch (error) {
      // The engine's memory may be ahead of what was stored: start again from the stored state.
      this.engines.delete(orgId);
      throw error;
    }
  }

  /** Forget an org's engine (its settings changed in another process, or the org is gone). */
  forget(orgId: string): void {
    this.engines.delete(orgId);
  }

  private toAlert(firing: Firing, cached: CachedEngine, now: Date): NewAlert {
    const { source } = firing;
    const sourceName =
      source.kind === 'detector'
        ? DETECTORS[source.id as DetectorId].name
        : (cached.ruleNames.get(source.id) ?? source.id);
    return {
      id: newId('alert', now.getTime()),
      dedupe_key: firing.dedupe_key,
      source_kind: source.kind,
      source_id: source.id,
      source_name: sourceName,
      severity: firing.severity,
      title: firing.title,
      description: firing.description,
      group_key: firing.group_key,
      window_start: firing.window_start,
      window_end: firing.window_end,
      matched_count: firing.matched_count,
      sample_event_ids: firing.sample_event_ids,
      event_filter: firing.event_filter,
      details: firing.details,
      created_at: now.toISOString(),
    };
  }
}
