import type { ReactNode } from 'react';
import type { AsyncState } from '../lib/use-async.js';
import { ErrorNotice, Spinner } from './ui.js';

/** A card's table: a caption for screen readers, column headings, and an unlabelled actions column. */
export function DataTable({
  caption,
  columns,
  actions = false,
  children,
}: {
  caption: string;
  columns: readonly string[];
  actions?: boolean;
  children: ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table className="data-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
            {actions && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/**
 * What a card shows of a list it loads: why it failed (with Try again), a spinner, or the list.
 * `of` names what the list holds, in the plural ("The keys could not be loaded", "Loading keys").
 */
export function LoadedList<T>({
  of,
  state,
  empty,
  children,
}: {
  of: string;
  state: Pick<AsyncState<readonly T[]>, 'data' | 'error' | 'reload'>;
  /** Shown instead of an empty list. */
  empty?: ReactNode;
  children(items: readonly T[]): ReactNode;
}) {
  if (state.error) {
    return (
      <div className="card-pad">
        <ErrorNotice error={state.error} onRetry={state.reload} title={`The ${of} could not be loaded`} />
      </div>
    );
  }
  if (!state.data) {
    return (
      <div className="card-pad">
        <Spinner label={`Loading ${of}`} />
      </div>
    );
  }
  if (empty && state.data.length === 0) return empty;
  return children(state.data);
}

/** A row's button; its accessible name says which row it acts on ("Revoke Reporting key"). */
export function RowButton({
  label,
  danger = false,
  onClick,
  children,
}: {
  label: string;
  danger?: boolean;
  onClick(): void;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      className={danger ? 'button button-danger-ghost button-small' : 'button button-secondary button-small'}
      onClick={onClick}
      aria-label={label}
    >
      {children}
    </button>
  );
}

/**
 * A row's switch: says what pressing it does to the row named ("Disable Security team" while on,
 * "Enable Security team" while off); `verbs` are [while on, while off].
 */
export function ToggleRowButton({
  on,
  name,
  verbs = ['Disable', 'Enable'],
  onClick,
}: {
  on: boolean;
  name: string;
  verbs?: [string, string];
  onClick(): void;
}) {
  const verb = on ? verbs[0] : verbs[1];
  return (
    <RowButton label={`${verb} ${name}`} onClick={onClick}>
      {verb}
    </RowButton>
  );
}

/** A row's Delete button ("Delete Security team" to a screen reader). */
export function DeleteRowButton({ name, onClick }: { name: string; onClick(): void }) {
  return (
    <RowButton danger label={`Delete ${name}`} onClick={onClick}>
      Delete
    </RowButton>
  );
}
