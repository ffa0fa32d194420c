import { type Static, type TObject, type TOptional, type TPartial, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FieldIssue } from '../../../domain/errors.js';
import { actionPatternProblem } from '../action-pattern.js';
import { DETECTOR_IDS, type DetectorId } from '../types.js';
import { apiUsageSpike } from './api-usage.js';
import { bulkDeletion } from './bulk-deletion.js';
import type { DetectorDefinition } from './definition.js';
import { failedLoginSpike } from './failed-login.js';
import { newCountrySignIn, newIpSignIn } from './new-sign-in.js';
import { apiKeyCreated, memberRemoved, roleChanged } from './sensitive-changes.js';

/** Every built-in detector, by id (SPEC §7). */
export const DETECTORS = {
  failed_login_spike: failedLoginSpike,
  new_country_sign_in: newCountrySignIn,
  new_ip_sign_in: newIpSignIn,
  api_key_created: apiKeyCreated,
  role_changed: roleChanged,
  member_removed: memberRemoved,
  bulk_deletion: bulkDeletion,
  api_usage_spike: apiUsageSpike,
} as const satisfies Record<DetectorId, DetectorDefinition>;

type Detectors = typeof DETECTORS;

/** Every detector's settings, complete. */
export type DetectorSettings = { [K in DetectorId]: Static<Detectors[K]['settings']> };

/**
 * What an org stores: for each detector, only the settings it changed (`{"new_ip_sign_in":
 * {"enabled": true}}`); the rest take their defaults, so a default changed in a later version
 * reaches every org that kept it.
 */
export type DetectorOverrides = { [K in DetectorId]?: Partial<DetectorSettings[K]> };

export const DetectorOverridesSchema = Type.Object(
  Object.fromEntries(
    DETECTOR_IDS.map((id) => [id, Type.Optional(Type.Partial(DETECTORS[id].settings as TObject))]),
  ) as { [K in DetectorId]: TOptional<TPartial<Detectors[K]['settings']>> },
  { additionalProperties: false, $id: 'DetectorOverrides' },
);

/** Problems with stored or submitted overrides, each at its JSON Pointer (`/bulk_deletion/threshold`). */
export function detectorOverridesProblems(overrides: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [...Value.Errors(DetectorOverridesSchema, overrides)].map((e) => ({
    path: e.path || '/',
    message: e.message,
  }));
  if (issues.length || typeof overrides !== 'object' || overrides === null) return issues;
  for (const [id, settings] of Object.entries(overrides as Record<string, Record<string, unknown>>)) {
    for (const [name, value] of Object.entries(settings ?? {})) {
      if (!name.endsWith('actions') || typeof value !== 'string') continue;
      const problem = actionPatternProblem(value);
      if (problem) issues.push({ path: `/${id}/${name}`, message: problem });
    }
  }
  return issues;
}

/** The complete settings of every detector: defaults, then the org's overrides. */
export function resolveDetectorSettings(overrides: DetectorOverrides = {}): DetectorSettings {
  const out: Record<string, unknown> = {};
  for (const id of DETECTOR_IDS) out[id] = { ...DETECTORS[id].defaults, ...overrides[id] };
  return out as DetectorSettings;
}

export type { DetectorDefinition } from './definition.js';
