import { Type } from '@sinclair/typebox';
import { actionMatcher } from '../action-pattern.js';
import { isRecord } from '../bounded-map.js';
import { duration, windowFiring } from '../firing.js';
import { type AlertSource, type CompiledSource, type EventView, type Firing, NO_FIRINGS } from '../types.js';
import { WindowCounter, type WindowHit } from '../window-counter.js';
import { type DetectorDefinition, detectorSettings, MINUTE_MS, setting } from './definition.js';
import { FAILED_SIGN_IN_ACTIONS, SIGN_IN_ACTIONS } from './sign-in-actions.js';

const settings = detectorSettings(true, 'high', {
  threshold: setting.threshold(10, 2, 1000),
  window_minutes: setting.windowMinutes(5),
  cooldown_minutes: setting.cooldownMinutes(5),
  by_actor: Type.Boolean({ default: true, description: 'Count per actor' }),
  by_ip: Type.Boolean({ default: true, description: 'Count per IP address' }),
  failed_actions: setting.actions(
    FAILED_SIGN_IN_ACTIONS,
    'Actions that are failed sign-ins whatever their status',
  ),
  sign_in_actions: setting.actions(
    SIGN_IN_ACTIONS,
    'Sign-in actions that are failed ones when their status is failure',
  ),
});

interface State {
  actor: WindowCounter;
  ip: WindowCounter;
}

/**
 * Failed-login spike: `threshold` failed sign-ins within the window, counted per actor and per
 * IP address separately (a password-guessing attempt on one account, or one address trying
 * many). Fires once per burst and group, then not until the cool-down after its last counted
 * event (the default cool-down is the window: the next alert counts none of the same events).
 */
export const failedLoginSpike: DetectorDefinition<typeof settings> = {
  id: 'failed_login_spike',
  name: 'Failed sign-in spike',
  description: 'Many failed sign-ins for one actor, or from one IP address, within a few minutes',
  settings,
  defaults: {
    enabled: true,
    severity: 'high',
    threshold: 10,
    window_minutes: 5,
    cooldown_minutes: 5,
    by_actor: true,
    by_ip: true,
    failed_actions: FAILED_SIGN_IN_ACTIONS,
    sign_in_actions: SIGN_IN_ACTIONS,
  },
  compile(s) {
    const source: AlertSource = { kind: 'detector', id: 'failed_login_spike' };
    const isFailed = actionMatcher(s.failed_actions);
    const isSignIn = actionMatcher(s.sign_in_actions);
    const spec = {
      threshold: s.threshold,
      windowMs: s.window_minutes * MINUTE_MS,
      cooldownMs: s.cooldown_minutes * MINUTE_MS,
    };
    const byActor = { ...spec, groupPrefix: 'actor:' };
    const byIp = { ...spec, groupPrefix: 'ip:' };
    const fire = (hit: WindowHit, view: EventView, by: 'actor' | 'ip'): Firing => {
      const who = by === 'actor' ? `${view.actorLabel}` : `IP address ${view.ip}`;
      return windowFiring(source, hit, {
        severity: s.severity,
        title: `${hit.count} failed sign-ins ${by === 'actor' ? 'for' : 'from'} ${who}`,
        description:
          `${hit.count} failed sign-ins ${by === 'actor' ? 'for' : 'from'} ${who} within ` +
          `${duration(hit.end - hit.start)} (threshold ${s.threshold} in ${duration(spec.windowMs)}): ` +
          'someone may be guessing passwords.',
        eventFilter: by === 'actor' ? { actor: view.event.actor.id } : { ip: view.ip! },
        details: by === 'actor' ? { actor_id: view.event.actor.id } : { ip: view.ip },
      });
    };
    const compiled: CompiledSource<State> = {
      source,
      fingerprint: JSON.stringify([spec, s.by_actor, s.by_ip]),
      admits: (action) => isFailed(action) || isSignIn(action),
      initialState: () => ({ actor: new WindowCounter(byActor), ip: new WindowCounter(byIp) }),
      step(state, view) {
        const { event } = view;
        if (!view.live) return { state, firings: NO_FIRINGS };
        if (!isFailed(event.action) && event.status !== 'failure') return { state, firings: NO_FIRINGS };
        let firings = NO_FIRINGS;
        if (s.by_actor) {
          const hit = state.actor.add(event.actor.id, view.time, event.seq, event.id);
          if (hit) firings = [fire(hit, view, 'actor')];
        }
        if (s.by_ip && view.ip !== undefined) {
          const hit = state.ip.add(view.ip, view.time, event.seq, event.id);
          if (hit) firings = [...firings, fire(hit, view, 'ip')];
        }
        return { state, firings };
      },
      save: (state) => ({ actor: state.actor.toJSON(), ip: state.ip.toJSON() }),
      load(json) {
        if (!isRecord(json)) return undefined;
        const actor = WindowCounter.fromJSON(json.actor, byActor);
        const ip = WindowCounter.fromJSON(json.ip, byIp);
        return actor && ip ? { actor, ip } : undefined;
      },
    };
    return compiled as CompiledSource<unknown>;
  },
};
