import { type FormEvent, useId, useMemo, useState } from 'react';
import type { ActionCount } from '../api/types.js';
import { SelectField } from '../components/forms.js';
import { zoneLabel } from '../lib/time.js';
import {
  countActive,
  customRange,
  DEFAULT_RANGE,
  dayInputs,
  FILTER_LABELS,
  type LogFilters,
  RANGE_PRESETS,
  TYPED_FILTERS,
  type TypedFilter,
} from './filters.js';

interface Props {
  filters: LogFilters;
  /** When the filters were resolved (the window of a preset ends here). */
  asOf: number;
  actions: ActionCount[] | undefined;
  /** The counts are for the current date range (else only the names are shown). */
  actionCounts: boolean;
  /** Someone is reaching for the action filter: the list should be (re)loaded. */
  onWantActions(): void;
  actionsFailed: boolean;
  onApply(filters: LogFilters): void;
}

type Draft = Pick<LogFilters, TypedFilter>;

function draftOf(filters: LogFilters): Draft {
  const draft: Draft = {};
  for (const name of TYPED_FILTERS) draft[name] = filters[name] ?? '';
  return draft;
}

const STATUS_CHOICES = [
  { value: '', label: 'Any status' },
  { value: 'success', label: 'Success' },
  { value: 'failure', label: 'Failure' },
];

const numbers = new Intl.NumberFormat();
const count = (n: number) => numbers.format(n);

/** Actions grouped by resource (`api_key.*`), each group with an "all of them" choice. */
function groupActions(actions: ActionCount[]): [string, ActionCount[]][] {
  const groups = new Map<string, ActionCount[]>();
  for (const item of [...actions].sort((a, b) => a.action.localeCompare(b.action))) {
    const resource = item.action.split('.')[0] ?? item.action;
    const group = groups.get(resource) ?? [];
    group.push(item);
    groups.set(resource, group);
  }
  return [...groups];
}

/** The first and last day of a custom range, as the date inputs hold them. */
type Days = ReturnType<typeof dayInputs>;

/** One end of the custom range: it cannot pass the other end, and a picked day applies at once. */
function DayInput({ edge, days, onPick }: { edge: keyof Days; days: Days; onPick(days: Days): void }) {
  return (
    <input
      className="range-date"
      type="date"
      name={edge}
      aria-label={edge === 'from' ? 'From date' : 'To date'}
      value={days[edge]}
      min={edge === 'to' ? days.from : undefined}
      max={edge === 'from' ? days.to : undefined}
      onChange={(e) => {
        if (e.target.value) onPick({ ...days, [edge]: e.target.value });
      }}
    />
  );
}

/**
 * The filter card. Choices from a list (range, action, status) apply at once; typed fields apply
 * with Enter or the Apply button, so a search does not run on every keystroke.
 */
export function FilterCard({
  filters,
  asOf,
  actions,
  actionCounts,
  onWantActions,
  actionsFailed,
  onApply,
}: Props) {
  const id = useId();
  const [draft, setDraft] = useState<Draft>(() => draftOf(filters));
  const [synced, setSynced] = useState(filters);
  if (synced !== filters) {
    // The URL changed (back button, a link, Clear): show what is applied.
    setSynced(filters);
    setDraft(draftOf(filters));
  }
  const days = dayInputs(filters, asOf);
  const grouped = useMemo(() => groupActions(actions ?? []), [actions]);
  const knownAction =
    !filters.action ||
    actions?.some((a) => a.action === filters.action) ||
    grouped.some(([resource, items]) => items.length > 1 && `${resource}.*` === filters.action);

  const apply = (changes: Partial<LogFilters>) => {
    const next: LogFilters = { ...filters, ...draft, ...changes };
    for (const name of Object.keys(next) as (keyof LogFilters)[]) {
      if (next[name] === '' || next[name] === undefined) delete next[name];
    }
    if (next.range !== 'custom') {
      delete next.from;
      delete next.to;
    }
    onApply(next);
  };

  const applyDays = (picked: Days) => apply({ range: 'custom', ...customRange(picked.from, picked.to) });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply({});
  };

  const text = (name: TypedFilter, placeholder: string, hint?: string) => (
    <div className="field">
      <label htmlFor={`${id}-${name}`}>{FILTER_LABELS[name]}</label>
      <input
        id={`${id}-${name}`}
        name={name}
        type={name === 'q' ? 'search' : 'text'}
        value={draft[name] ?? ''}
        placeholder={placeholder}
        autoComplete="off"
        spellCheck={false}
        aria-describedby={hint ? `${id}-${name}-hint` : undefined}
        onChange={(e) => setDraft((d) => ({ ...d, [name]: e.target.value }))}
      />
      {hint && (
        <span id={`${id}-${name}-hint`} className="field-hint">
          {hint}
        </span>
      )}
    </div>
  );

  const active = countActive(filters);
  const dirty = TYPED_FILTERS.some((name) => (draft[name] ?? '') !== (filters[name] ?? ''));

  return (
    <section className="card filter-card" aria-labelledby={`${id}-title`}>
      <form onSubmit={submit} aria-label="Filter events">
        <div className="card-title-row">
          <h2 id={`${id}-title`} className="card-title">
            Filters
          </h2>
          <span className="muted small">Times in {zoneLabel(new Date(asOf))}</span>
        </div>
        <div className="filter-grid">
          <div className="field field-range">
            <label htmlFor={`${id}-range`}>Date range</label>
            <div className="range-row">
              <select
                className="range-select"
                id={`${id}-range`}
                name="range"
                value={filters.range}
                onChange={(e) => {
                  const range = e.target.value as LogFilters['range'];
                  if (range === 'custom') applyDays(days);
                  else apply({ range });
                }}
              >
                {RANGE_PRESETS.map((preset) => (
                  <option key={preset.id} value={preset.id}>
                    {preset.label}
                  </option>
                ))}
                <option value="custom">Custom dates</option>
              </select>
              <DayInput edge="from" days={days} onPick={applyDays} />
              <span className="range-dash" aria-hidden="true">
                –
              </span>
              <DayInput edge="to" days={days} onPick={applyDays} />
            </div>
          </div>
          <div className="field">
            <label htmlFor={`${id}-action`}>{FILTER_LABELS.action}</label>
            <select
              id={`${id}-action`}
              name="action"
              value={filters.action ?? ''}
              onChange={(e) => apply({ action: e.target.value })}
              onFocus={onWantActions}
              onPointerEnter={onWantActions}
              aria-describedby={actionsFailed ? `${id}-action-hint` : undefined}
            >
              <option value="">All actions</option>
              {!knownAction && <option value={filters.action}>{filters.action}</option>}
              {grouped.map(([resource, items]) => (
                <optgroup key={resource} label={resource}>
                  {items.length > 1 && (
                    <option value={`${resource}.*`}>
                      {resource}.* (all
                      {actionCounts ? ` ${count(items.reduce((n, i) => n + i.count, 0))}` : ''})
                    </option>
                  )}
                  {items.map((item) => (
                    <option key={item.action} value={item.action}>
                      {actionCounts ? `${item.action} (${count(item.count)})` : item.action}
                    </option>
                  ))}
                </optgroup>
              ))}
            </select>
            {actionsFailed && (
              <span id={`${id}-action-hint`} className="field-hint">
                The list of actions could not be loaded.
              </span>
            )}
          </div>
          <SelectField
            id={`${id}-status`}
            label={FILTER_LABELS.status}
            name="status"
            value={filters.status ?? ''}
            options={STATUS_CHOICES}
            onChange={(e) => apply({ status: e.target.value })}
          />
          {text('actor', 'id or email')}
          {text('resource_type', 'e.g. template')}
          {text('workspace', 'workspace id')}
          {text('ip', 'e.g. 203.0.113.7')}
          <div className="field field-search">
            <label htmlFor={`${id}-q`}>{FILTER_LABELS.q}</label>
            <input
              id={`${id}-q`}
              name="q"
              type="search"
              value={draft.q ?? ''}
              placeholder="Description, resource, path, actor, workspace"
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => setDraft((d) => ({ ...d, q: e.target.value }))}
            />
          </div>
          <div className="filter-actions">
            <button type="submit" className="button button-primary" disabled={!dirty}>
              Apply
            </button>
            {active > 0 && (
              <button
                type="button"
                className="button button-ghost"
                onClick={() => onApply({ range: DEFAULT_RANGE })}
              >
                Clear all ({active})
              </button>
            )}
          </div>
        </div>
        {dirty && (
          <p className="muted small filter-hint" role="status">
            Press Enter or Apply to use the typed filters.
          </p>
        )}
      </form>
    </section>
  );
}
