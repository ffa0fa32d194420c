import { Fragment, memo } from 'react';
import type { AuditEvent } from '../api/types.js';
import { Badge, ShortId, Timestamp } from '../components/ui.js';
import { ActionBadge } from './ActionBadge.js';
import { EventDetails } from './EventDetails.js';
import type { DashboardFilter } from './filters.js';

export type LogKind = 'audit' | 'request';

interface Props {
  kind: LogKind;
  rows: AuditEvent[];
  expanded: ReadonlySet<string>;
  onToggle(id: string): void;
  onFilter?: (name: DashboardFilter, value: string) => void;
  busy: boolean;
  caption: string;
}

const ACTOR_TYPE_LABELS: Record<string, string> = {
  user: 'user',
  api_key: 'API key',
  service: 'service',
  system: 'system',
};

/** Who: name (or email, or id) on the first line; the kind of actor and the email or id below. */
function Actor({ event }: { event: AuditEvent }) {
  const { actor } = event;
  const primary = actor.name || actor.email;
  const secondary = actor.name && actor.email ? actor.email : actor.id;
  return (
    <span className="stack-cell" title={[actor.name, actor.email, actor.id].filter(Boolean).join(' · ')}>
      <span>{primary ?? <ShortId value={actor.id} />}</span>
      <span className="secondary-line">
        <Badge variant="muted">{ACTOR_TYPE_LABELS[actor.type] ?? actor.type}</Badge>
        {primary && <span className="actor-secondary"> {secondary}</span>}
      </span>
    </span>
  );
}

function statusVariant(code: number): 'success' | 'warning' | 'destructive' | 'muted' {
  if (code >= 500) return 'destructive';
  if (code >= 400) return 'warning';
  if (code >= 200 && code < 400) return 'success';
  return 'muted';
}

/** Header and column class (web/src/styles.css sizes the columns by class). */
const AUDIT_COLUMNS: [string, string][] = [
  ['Timestamp', 'time'],
  ['Action', 'action'],
  ['Resource', 'resource'],
  ['Actor', 'actor'],
  ['Description', 'description'],
  ['IP address', 'ip'],
];
const REQUEST_COLUMNS: [string, string][] = [
  ['Timestamp', 'time'],
  ['Method', 'method'],
  ['Endpoint', 'endpoint'],
  ['Status', 'status'],
  ['Response time', 'duration'],
  ['API key', 'key'],
  ['Actor', 'actor'],
];

const EventRow = memo(function EventRow({
  kind,
  event,
  open,
  onToggle,
  onFilter,
  columns,
}: {
  kind: LogKind;
  event: AuditEvent;
  open: boolean;
  onToggle(id: string): void;
  onFilter: Props['onFilter'];
  columns: number;
}) {
  const detailsId = `event-details-${event.seq}`;
  const request = event.request;
  return (
    <Fragment>
      <tr
        className={open ? 'event-row open' : 'event-row'}
        data-event-id={event.id}
        onClick={(e) => {
          // Selecting text in a row must not fold it.
          if (window.getSelection()?.toString()) return;
          if ((e.target as HTMLElement).closest('button, a')) return;
          onToggle(event.id);
        }}
      >
        <td className="col-expand">
          <button
            type="button"
            className="expand-button"
            aria-expanded={open}
            aria-controls={open ? detailsId : undefined}
            aria-label={`${open ? 'Hide' : 'Show'} details of ${event.action} #${event.seq}`}
            onClick={() => onToggle(event.id)}
          >
            <span className="chevron" aria-hidden="true" />
          </button>
        </td>
        <td className="col-time">
          <Timestamp value={event.occurred_at} />
        </td>
        {kind === 'audit' || !request ? (
          <>
            <td className="col-stack">
              <span className="badge-stack">
                <ActionBadge action={event.action} />
                {event.status === 'failure' && <Badge variant="warning">failure</Badge>}
              </span>
            </td>
            <td className="col-stack">
              {event.resource ? (
                <span className="stack-cell">
                  <span>{event.resource.type}</span>
                  {event.resource.id && (
                    <span className="secondary-line">
                      <ShortId value={event.resource.id} keep={12} />
                    </span>
                  )}
                </span>
              ) : (
                <span className="muted">—</span>
              )}
            </td>
            <td className="col-stack">
              <Actor event={event} />
            </td>
            <td className="col-description">
              <span className="clamp">{event.description ?? ''}</span>
            </td>
            <td className="mono col-ip">{event.context?.ip ?? <span className="muted">—</span>}</td>
          </>
        ) : (
          <>
            <td>
              <span className={`method method-${request.method.toLowerCase()}`}>{request.method}</span>
            </td>
            <td className="col-endpoint">
              <span className="mono truncate" title={request.path}>
                {request.path}
              </span>
            </td>
            <td>
              <Badge variant={statusVariant(request.status_code)}>{request.status_code}</Badge>
            </td>
            <td className="numeric">
              {request.duration_ms === undefined ? (
                <span className="muted">—</span>
              ) : (
                `${request.duration_ms} ms`
              )}
            </td>
            <td className="mono">
              {request.api_key_last4 ? `…${request.api_key_last4}` : <span className="muted">—</span>}
            </td>
            <td className="col-stack">
              <Actor event={event} />
            </td>
          </>
        )}
      </tr>
      {open && (
        <tr className="details-row" id={detailsId}>
          <td colSpan={columns}>
            <EventDetails event={event} {...(onFilter ? { onFilter } : {})} />
          </td>
        </tr>
      )}
    </Fragment>
  );
});

export function EventTable({ kind, rows, expanded, onToggle, onFilter, busy, caption }: Props) {
  const headers = kind === 'audit' ? AUDIT_COLUMNS : REQUEST_COLUMNS;
  return (
    <div className="table-wrap">
      <table className={`event-table event-table-${kind}`} aria-busy={busy}>
        <caption className="visually-hidden">{caption}</caption>
        <colgroup>
          <col className="col-expand" />
          {headers.map(([header, name]) => (
            <col key={header} className={`col-${name}`} />
          ))}
        </colgroup>
        <thead>
          <tr>
            <th scope="col" className="col-expand">
              <span className="visually-hidden">Details</span>
            </th>
            {headers.map(([header]) => (
              <th key={header} scope="col">
                {header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((event) => (
            <EventRow
              key={event.id}
              kind={kind}
              event={event}
              open={expanded.has(event.id)}
              onToggle={onToggle}
              onFilter={onFilter}
              columns={headers.length + 1}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function TableSkeleton({ kind }: { kind: LogKind }) {
  const columns = (kind === 'audit' ? AUDIT_COLUMNS : REQUEST_COLUMNS).length + 1;
  return (
    <div className="table-wrap" aria-hidden="true">
      <table className="event-table skeleton">
        <tbody>
          {Array.from({ length: 8 }, (_, row) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: placeholder rows have no identity
            <tr key={row}>
              {Array.from({ length: columns }, (_, col) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: placeholder cells have no identity
                <td key={col}>
                  <span className="skeleton-bar" />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
