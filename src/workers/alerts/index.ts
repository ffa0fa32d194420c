/**
 * The alert engine's public surface, for the log consumer that runs it, the routes that
 * configure it and the OpenAPI document that describes its settings.
 */
export { actionPatternProblem, parseActionPattern } from './action-pattern.js';
export {
  DETECTORS,
  type DetectorDefinition,
  type DetectorOverrides,
  DetectorOverridesSchema,
  type DetectorSettings,
  detectorOverridesProblems,
  resolveDetectorSettings,
} from './detectors/index.js';
export {
  AlertEngine,
  DEFAULT_MAX_LATENESS_MS,
  type EngineOptions,
  type EngineState,
  type EngineStateJson,
  isOwnAlertEvent,
  type OrgAlertConfig,
  processEvents,
} from './engine.js';
export { apiKeyGroup } from './event-view.js';
export {
  type AlertRule,
  type AlertRuleFilters,
  AlertRuleFiltersSchema,
  type AlertRuleInput,
  AlertRuleInputSchema,
  type AlertRuleSpec,
  alertRuleProblems,
  GROUP_BY,
  type GroupBy,
  parseAlertRule,
} from './rules.js';
export {
  type AlertSource,
  DETECTOR_IDS,
  type DetectorId,
  type Firing,
  SEVERITIES,
  type Severity,
  SeveritySchema,
} from './types.js';
