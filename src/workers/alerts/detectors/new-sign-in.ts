import { Type } from '@sinclair/typebox';
import { actionMatcher } from '../action-pattern.js';
import { duration, eventFiring, iso } from '../firing.js';
import { type SeenBounds, SeenHistory } from '../seen-history.js';
import { type CompiledSource, type EventView, NO_FIRINGS, type Severity } from '../types.js';
import { DAY_MS, type DetectorIdentity, detectorSettings, setting, variantDetector } from './definition.js';
import { SIGN_IN_ACTIONS } from './sign-in-actions.js';

function settingsSchema(enabled: boolean, severity: Severity) {
  return detectorSettings(enabled, severity, {
    lookback_days: Type.Integer({
      minimum: 1,
      maximum: 365,
      default: 90,
      description: 'Days a value stays known after the sign-in that last used it',
    }),
    sign_in_actions: setting.actions(
      SIGN_IN_ACTIONS,
      'Actions that are sign-ins when their status is success',
    ),
  });
}

interface Variant extends DetectorIdentity {
  enabled: boolean;
  severity: Severity;
  /** What is compared: a country code or an IP address. */
  noun: string;
  valueOf(view: EventView): string | undefined;
  bounds: SeenBounds;
}

/**
 * A successful sign-in with a value (country, IP address) that the actor has not signed in with
 * during the lookback period. The actor's first sign-in in the period raises nothing: there is
 * nothing to compare it with, and every new account would otherwise raise an alert. A sign-in
 * whose value is unknown (no IP, or an address the GeoIP data does not place) is skipped.
 * Sign-ins that arrive late (an import) are learned without raising anything.
 */
function newValueDetector(variant: Variant) {
  return variantDetector(variant, {
    settings: settingsSchema(variant.enabled, variant.severity),
    defaults: {
      enabled: variant.enabled,
      severity: variant.severity,
      lookback_days: 90,
      sign_in_actions: SIGN_IN_ACTIONS,
    },
    compile(s, source) {
      const isSignIn = actionMatcher(s.sign_in_actions);
      const lookbackMs = s.lookback_days * DAY_MS;
      const compiled: CompiledSource<SeenHistory> = {
        source,
        fingerprint: JSON.stringify([lookbackMs]),
        admits: isSignIn,
        initialState: () => new SeenHistory(lookbackMs, variant.bounds),
        step(state, view) {
          const { event } = view;
          if (event.status !== 'success') return { state, firings: NO_FIRINGS };
          const value = variant.valueOf(view);
          if (value === undefined) return { state, firings: NO_FIRINGS };
          const seen = state.observe(event.actor.id, value, view.time);
          if (!view.live || !seen.isNew || seen.known.length === 0) return { state, firings: NO_FIRINGS };
          const known = seen.known.join(', ');
          const firing = eventFiring(source, `actor:${event.actor.id}`, view, {
            severity: s.severity,
            title: `${view.actorLabel} signed in from a new ${variant.noun}: ${value}`,
            description:
              `${view.actorLabel} signed in from ${variant.noun} ${value}, not seen for this actor in the ` +
              `last ${duration(lookbackMs)} (seen: ${known}).`,
            eventFilter: { actor: event.actor.id, action: event.action, from: iso(view.time - lookbackMs) },
            details: {
              actor_id: event.actor.id,
              [variant.noun === 'country' ? 'country' : 'ip']: value,
              [variant.noun === 'country' ? 'known_countries' : 'known_ips']: seen.known,
              ...(variant.noun === 'country' && view.ip ? { ip: view.ip } : {}),
            },
          });
          return { state, firings: [firing] };
        },
        save: (state) => state.toJSON(),
        load: (json) => SeenHistory.fromJSON(json, lookbackMs, variant.bounds),
      };
      return compiled as CompiledSource<unknown>;
    },
  });
}

export const newCountrySignIn = newValueDetector({
  id: 'new_country_sign_in',
  name: 'Sign-in from a new country',
  description: 'A sign-in from a country the actor has not signed in from in the lookback period',
  enabled: true,
  severity: 'medium',
  noun: 'country',
  valueOf: (view) => view.event.context?.location?.country,
  bounds: { maxActors: 20_000, maxPerActor: 16 },
});

export const newIpSignIn = newValueDetector({
  id: 'new_ip_sign_in',
  name: 'Sign-in from a new IP address',
  description: 'A sign-in from an IP address the actor has not signed in from in the lookback period',
  enabled: false,
  severity: 'low',
  noun: 'IP address',
  valueOf: (view) => view.ip,
  bounds: { maxActors: 10_000, maxPerActor: 10 },
});
