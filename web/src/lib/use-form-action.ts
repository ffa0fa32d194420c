import { type ChangeEvent, useCallback, useState } from 'react';
import { ApiError } from '../api/client.js';

/** A problem's field issues by field name (`/retention_days` → `retention_days`). */
export function issuesByField(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const issue of error.problem.errors ?? []) {
    const name = issue.path.split('/').filter(Boolean).pop();
    if (name && !out[name]) out[name] = issue.message;
  }
  return out;
}

export interface FormAction {
  /** A run is in flight: its button is disabled and says so. */
  busy: boolean;
  /** What the last run threw; null before any and after a run that succeeded. */
  error: unknown;
  /** The error's issues by field, shown beside each field. */
  issues: Record<string, string>;
  /** The error when it names no field: the form shows it in its own notice. */
  formError: unknown;
  /** Runs a submit or a confirmation: busy meanwhile, and the error kept instead of thrown. */
  run(action: () => Promise<unknown>): Promise<void>;
  /** Forgets the error, as when a dialog is closed. */
  reset(): void;
}

/** The state every form and confirmation of the dashboard shares. */
export function useFormAction(): FormAction {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }, []);
  const reset = useCallback(() => setError(null), []);
  const issues = issuesByField(error);
  return { busy, error, issues, formError: Object.keys(issues).length ? null : error, run, reset };
}

/** What a page's last change did, for a dismissable notice. */
export interface Outcome {
  tone: 'success' | 'error';
  text: string;
}

/**
 * A page's changes to what it lists (enable, test, delete): each runs as a FormAction, and
 * `report` keeps how it went for ChangeNotices until dismissed.
 */
export function useChanges() {
  const action = useFormAction();
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const dismiss = useCallback(() => setOutcome(null), []);
  return { ...action, outcome, report: setOutcome, dismiss };
}

export type Changes = ReturnType<typeof useChanges>;

/**
 * A form's text inputs and selects by name, each bound to its TextField or SelectField with its id,
 * value and issue: `<TextField {...bind('email')} label="Email" />`.
 */
export function useTextFields<T extends Record<string, string>>(
  idPrefix: string,
  initial: T,
  issues: Record<string, string> = {},
) {
  const [values, setValues] = useState(initial);
  const bind = (name: keyof T & string) => ({
    id: `${idPrefix}-${name}`,
    name,
    value: values[name],
    onChange: (event: ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => {
      const value = event.target.value;
      setValues((current) => ({ ...current, [name]: value }));
    },
    issue: issues[name],
  });
  return { values, bind, reset: () => setValues(initial) };
}
