import { type Static, type TObject, type TProperties, Type } from '@sinclair/typebox';
import { ActionPatternSchema } from '../action-pattern.js';
import { type CompiledSource, type DetectorId, SEVERITIES, type Severity } from '../types.js';

/**
 * A built-in detector: its settings schema (every field has a default, so an org stores only
 * what it changed), and how to apply settings to get a source the engine can run.
 */
export interface DetectorDefinition<T extends TObject = TObject> {
  id: DetectorId;
  /** For people: the settings page and the alert's origin. */
  name: string;
  description: string;
  settings: T;
  defaults: Static<T>;
  compile(settings: Static<T>): CompiledSource<unknown>;
}

/** A detector's id, and its name and description for people: what sets a family's variants apart. */
export type DetectorIdentity = Pick<DetectorDefinition, 'id' | 'name' | 'description'>;

/** The source of the alerts detector `id` raises. */
export const detectorSource = (id: DetectorId) => ({ kind: 'detector', id }) as const;

/**
 * One detector of a family whose variants differ in identity and parameters: it takes the
 * variant's id, name and description (nothing else of what describes the variant), and its
 * `compile` is handed the source of the alerts it raises.
 */
export function variantDetector<T extends TObject>(
  variant: DetectorIdentity,
  detector: Pick<DetectorDefinition<T>, 'settings' | 'defaults'> & {
    compile(settings: Static<T>, source: ReturnType<typeof detectorSource>): CompiledSource<unknown>;
  },
): DetectorDefinition<T> {
  return {
    id: variant.id,
    name: variant.name,
    description: variant.description,
    settings: detector.settings,
    defaults: detector.defaults,
    compile: (settings) => detector.compile(settings, detectorSource(variant.id)),
  };
}

/** Helpers for settings schemas, so that every detector names its common settings alike. */
export const setting = {
  enabled: (value: boolean) =>
    Type.Boolean({ default: value, description: 'Whether the detector runs for this organization' }),
  severity: (value: Severity) =>
    Type.Union(
      SEVERITIES.map((s) => Type.Literal(s)),
      { default: value, description: 'Severity of the alerts it raises' },
    ),
  threshold: (value: number, minimum: number, maximum: number) =>
    Type.Integer({ minimum, maximum, default: value, description: 'How many events fire an alert' }),
  windowMinutes: (value: number) =>
    Type.Integer({
      minimum: 1,
      maximum: 1440,
      default: value,
      description: 'Minutes within which the events must happen',
    }),
  cooldownMinutes: (value: number) =>
    Type.Integer({
      minimum: 0,
      maximum: 10_080,
      default: value,
      description: 'Minutes after an alert during which the same group raises no other',
    }),
  actions: (value: string, description: string) =>
    Type.String({
      minLength: ActionPatternSchema.minLength,
      maxLength: ActionPatternSchema.maxLength,
      default: value,
      description: `${description}. ${ActionPatternSchema.description}`,
    }),
};

/**
 * A detector's settings schema: the switch and the severity every detector has, then its own
 * settings, and no others.
 */
export function detectorSettings<P extends TProperties>(enabled: boolean, severity: Severity, own: P) {
  return Type.Object(
    { enabled: setting.enabled(enabled), severity: setting.severity(severity), ...own },
    { additionalProperties: false },
  );
}

export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * MINUTE_MS;
