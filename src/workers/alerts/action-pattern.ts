import { Type } from '@sinclair/typebox';

/**
 * Which actions a detector watches, written as a comma-separated list whose items are:
 * - `member.removed`: that action exactly;
 * - `api_key.*` or `api_key*`: every action starting with the text before `*` (as the list
 *   filter reads a prefix);
 * - `*.login_failed`: every action ending in `.login_failed`, whatever its resource;
 * - `*.delete*`: every action whose last segment starts with `delete` (`template.deleted`,
 *   `user.delete`, `api_key.iam_rule.delete_all`).
 * The last two let a detector recognise customers' own names for the same thing.
 */

const SEGMENT = '[a-z0-9_]+';
const ITEM = new RegExp(
  `^(?:${SEGMENT}(?:\\.${SEGMENT}){1,5}|${SEGMENT}(?:\\.${SEGMENT}){0,5}\\.?\\*|\\*\\.${SEGMENT}(?:\\.${SEGMENT}){0,4}|\\*\\.${SEGMENT}\\*)$`,
);
const MAX_ITEMS = 50;

export const ActionPatternSchema = Type.String({
  minLength: 1,
  maxLength: 1024,
  description:
    'Comma-separated: exact actions (member.removed), prefixes (api_key.*), any resource (*.login_failed), or a last segment starting with a word (*.delete*)',
});

export interface ActionPattern {
  exact: ReadonlySet<string>;
  prefixes: readonly string[];
  /** Each with its leading dot: `.login_failed`. */
  suffixes: readonly string[];
  /** Each with its leading dot: `.delete`. */
  lastSegmentPrefixes: readonly string[];
}

/** The problem with a pattern, or undefined when it is valid. */
export function actionPatternProblem(text: string): string | undefined {
  const items = text.split(',').map((s) => s.trim());
  if (items.length > MAX_ITEMS) return `must list at most ${MAX_ITEMS} items`;
  for (const item of items) {
    if (!ITEM.test(item) || item.length > 128) {
      return 'must be actions (member.removed), prefixes (api_key.*), *.suffix or *.word*, separated by commas';
    }
  }
  return undefined;
}

/** Parses a pattern already checked by actionPatternProblem (an invalid one throws). */
export function parseActionPattern(text: string): ActionPattern {
  const problem = actionPatternProblem(text);
  if (problem) throw new Error(`action pattern ${JSON.stringify(text)} ${problem}`);
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const suffixes: string[] = [];
  const lastSegmentPrefixes: string[] = [];
  for (const item of text.split(',').map((s) => s.trim())) {
    if (item.startsWith('*.') && item.endsWith('*')) lastSegmentPrefixes.push(item.slice(1, -1));
    else if (item.startsWith('*.')) suffixes.push(item.slice(1));
    else if (item.endsWith('*')) prefixes.push(item.slice(0, -1));
    else exact.add(item);
  }
  return { exact, prefixes, suffixes, lastSegmentPrefixes };
}

export function matchesActionPattern(pattern: ActionPattern, action: string): boolean {
  if (pattern.exact.has(action)) return true;
  for (const prefix of pattern.prefixes) if (action.startsWith(prefix)) return true;
  for (const suffix of pattern.suffixes) if (action.endsWith(suffix)) return true;
  if (pattern.lastSegmentPrefixes.length) {
    const last = action.slice(action.lastIndexOf('.'));
    for (const prefix of pattern.lastSegmentPrefixes) if (last.startsWith(prefix)) return true;
  }
  return false;
}

/** A pattern as a predicate on action names. */
export function actionMatcher(text: string): (action: string) => boolean {
  const pattern = parseActionPattern(text);
  return (action) => matchesActionPattern(pattern, action);
}
