import { actionMatcher } from '../action-pattern.js';
import { eventFiring } from '../firing.js';
import { type CompiledSource, NO_FIRINGS, type Severity } from '../types.js';
import { type DetectorIdentity, detectorSettings, setting, variantDetector } from './definition.js';

function settingsSchema(actions: string, severity: Severity) {
  return detectorSettings(true, severity, {
    actions: setting.actions(actions, 'Actions that raise the alert'),
  });
}

interface Variant extends DetectorIdentity {
  /** Trailmark's own action (SPEC §5), the default; an org adds its product's equivalents. */
  actions: string;
  severity: Severity;
  /** "created an API key", "changed a role". */
  did: string;
}

/**
 * Changes an admin wants to hear about at once: every matching event raises an alert of its
 * own, whatever its status (a refused attempt is worth knowing too). No state.
 */
function immediateDetector(variant: Variant) {
  return variantDetector(variant, {
    settings: settingsSchema(variant.actions, variant.severity),
    defaults: { enabled: true, severity: variant.severity, actions: variant.actions },
    compile(s, source) {
      const compiled: CompiledSource<null> = {
        source,
        fingerprint: '',
        admits: actionMatcher(s.actions),
        initialState: () => null,
        step(state, view) {
          if (!view.live) return { state, firings: NO_FIRINGS };
          const { event } = view;
          const target = event.resource
            ? ` ${event.resource.name ?? event.resource.id ?? event.resource.type}`
            : '';
          const failed = event.status === 'failure' ? ' (failed)' : '';
          const firing = eventFiring(source, `actor:${event.actor.id}`, view, {
            severity: s.severity,
            title: `${view.actorLabel} ${variant.did}${target}${failed}`,
            description:
              event.description ?? `${view.actorLabel} ${variant.did}${target}${failed} (${event.action}).`,
            eventFilter: { action: event.action, actor: event.actor.id },
            details: {
              action: event.action,
              actor_id: event.actor.id,
              ...(event.resource ? { resource: event.resource } : {}),
            },
          });
          return { state, firings: [firing] };
        },
        save: () => null,
        load: (json) => (json === null ? null : undefined),
      };
      return compiled as CompiledSource<unknown>;
    },
  });
}

export const apiKeyCreated = immediateDetector({
  id: 'api_key_created',
  name: 'API key created',
  description: 'A new API key: someone may have gained access and be keeping it',
  actions: 'api_key.created',
  severity: 'high',
  did: 'created API key',
});

export const roleChanged = immediateDetector({
  id: 'role_changed',
  name: 'Role changed',
  description: "A member's role changed",
  actions: 'member.role_changed',
  severity: 'high',
  did: 'changed the role of',
});

export const memberRemoved = immediateDetector({
  id: 'member_removed',
  name: 'Member removed',
  description: 'A member was removed from the organization',
  actions: 'member.removed',
  severity: 'medium',
  did: 'removed member',
});
