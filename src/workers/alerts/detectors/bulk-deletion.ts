import { actionMatcher } from '../action-pattern.js';
import { duration, windowFiring } from '../firing.js';
import { type CompiledSource, NO_FIRINGS } from '../types.js';
import { WindowCounter } from '../window-counter.js';
import { type DetectorDefinition, detectorSettings, MINUTE_MS, setting } from './definition.js';

/** Any action whose last segment starts with `delete` (`template.deleted`, `user.delete`). */
export const DELETE_ACTIONS = '*.delete*';

const settings = detectorSettings(true, 'high', {
  threshold: setting.threshold(50, 2, 1000),
  window_minutes: setting.windowMinutes(2),
  cooldown_minutes: setting.cooldownMinutes(2),
  actions: setting.actions(DELETE_ACTIONS, 'Actions that are deletions'),
});

/**
 * Bulk deletion: `threshold` deletions by one actor within the window (a compromised account
 * wiping data). Deletions count whatever their status: failed attempts are as telling.
 */
export const bulkDeletion: DetectorDefinition<typeof settings> = {
  id: 'bulk_deletion',
  name: 'Bulk deletion',
  description: 'Many deletions by one actor within a few minutes',
  settings,
  defaults: {
    enabled: true,
    severity: 'high',
    threshold: 50,
    window_minutes: 2,
    cooldown_minutes: 2,
    actions: DELETE_ACTIONS,
  },
  compile(s) {
    const source = { kind: 'detector', id: 'bulk_deletion' } as const;
    const spec = {
      threshold: s.threshold,
      windowMs: s.window_minutes * MINUTE_MS,
      cooldownMs: s.cooldown_minutes * MINUTE_MS,
      groupPrefix: 'actor:',
    };
    const compiled: CompiledSource<WindowCounter> = {
      source,
      fingerprint: JSON.stringify(spec),
      admits: actionMatcher(s.actions),
      initialState: () => new WindowCounter(spec),
      step(state, view) {
        if (!view.live) return { state, firings: NO_FIRINGS };
        const { event } = view;
        const hit = state.add(event.actor.id, view.time, event.seq, event.id);
        if (!hit) return { state, firings: NO_FIRINGS };
        const firing = windowFiring(source, hit, {
          severity: s.severity,
          title: `${view.actorLabel} deleted ${hit.count} items in ${duration(hit.end - hit.start)}`,
          description:
            `${hit.count} deletions by ${view.actorLabel} within ${duration(hit.end - hit.start)} ` +
            `(threshold ${s.threshold} in ${duration(spec.windowMs)}): the account may be compromised.`,
          eventFilter: { actor: event.actor.id },
          details: { actor_id: event.actor.id },
        });
        return { state, firings: [firing] };
      },
      save: (state) => state.toJSON(),
      load: (json) => WindowCounter.fromJSON(json, spec),
    };
    return compiled as CompiledSource<unknown>;
  },
};
