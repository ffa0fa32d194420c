import type { ReactNode } from 'react';
import type { AuditEvent } from '../api/types.js';
import { Badge, CopyButton } from '../components/ui.js';
import { formatLocal, formatUtc } from '../lib/time.js';
import { ActionBadge } from './ActionBadge.js';
import type { DashboardFilter } from './filters.js';

interface Props {
  event: AuditEvent;
  onFilter?: (name: DashboardFilter, value: string) => void;
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="detail-row">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

interface ValueProps {
  value: string | number | undefined;
  copy?: boolean;
  mono?: boolean;
}

function Value({ value, copy, mono }: ValueProps) {
  if (value === undefined || value === '') return <span className="muted">—</span>;
  return (
    <span className="detail-value">
      <span className={mono ? 'mono break' : 'break'}>{String(value)}</span>
      {copy && <CopyButton value={String(value)} />}
    </span>
  );
}

function ValueRow({ label, ...value }: { label: string } & ValueProps) {
  return (
    <Row label={label}>
      <Value {...value} />
    </Row>
  );
}

function FilterLink({
  name,
  value,
  onFilter,
  children,
}: {
  name: DashboardFilter;
  value: string | undefined;
  onFilter: Props['onFilter'];
  children: string;
}) {
  if (!value || !onFilter) return null;
  return (
    <button type="button" className="button button-link" onClick={() => onFilter(name, value)}>
      {children}
    </button>
  );
}

/** Pretty JSON as text: whatever the event holds is shown, never interpreted. */
function Json({ value, label }: { value: unknown; label: string }) {
  if (value === undefined || value === null) return <span className="muted">—</span>;
  if (typeof value === 'object' && Object.keys(value as object).length === 0) {
    return <span className="muted">empty</span>;
  }
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section className="json" tabIndex={0} aria-label={label}>
      <pre>{JSON.stringify(value, null, 2)}</pre>
    </section>
  );
}

/** Every field of one event: what an investigator needs without opening the API. */
export function EventDetails({ event, onFilter }: Props) {
  const context = event.context;
  const location = [context?.location?.city, context?.location?.region, context?.location?.country]
    .filter(Boolean)
    .join(', ');
  const client = [context?.client?.browser, context?.client?.os, context?.client?.device]
    .filter(Boolean)
    .join(' · ');
  const request = event.request;
  return (
    <div className="details">
      <section className="details-column">
        <h3>Event</h3>
        <dl>
          <Row label="Action">
            <span className="detail-value">
              <ActionBadge action={event.action} />
              <FilterLink name="action" value={event.action} onFilter={onFilter}>
                Only this action
              </FilterLink>
            </span>
          </Row>
          <Row label="Status">
            <Badge variant={event.status === 'failure' ? 'warning' : 'success'}>{event.status}</Badge>
          </Row>
          <Row label="Occurred">
            {formatLocal(event.occurred_at)} <span className="muted">({formatUtc(event.occurred_at)})</span>
          </Row>
          <Row label="Received">
            {formatLocal(event.received_at)} <span className="muted">({formatUtc(event.received_at)})</span>
          </Row>
          <ValueRow label="Event id" value={event.id} copy mono />
          <ValueRow label="Sequence" value={event.seq} mono />
          <Row label="Workspace">
            <span className="detail-value">
              <Value value={event.workspace} mono />
              <FilterLink name="workspace" value={event.workspace} onFilter={onFilter}>
                Filter
              </FilterLink>
            </span>
          </Row>
          <ValueRow label="Description" value={event.description} />
        </dl>
        <h3>Chain</h3>
        <dl>
          <ValueRow label="Hash" value={event.hash} mono />
          <ValueRow label="Previous hash" value={event.prev_hash} mono />
        </dl>
      </section>
      <section className="details-column">
        <h3>Actor</h3>
        <dl>
          <Row label="Type">{event.actor.type}</Row>
          <Row label="Actor id">
            <span className="detail-value">
              <Value value={event.actor.id} copy mono />
              <FilterLink name="actor" value={event.actor.id} onFilter={onFilter}>
                Filter
              </FilterLink>
            </span>
          </Row>
          <ValueRow label="Name" value={event.actor.name} />
          <ValueRow label="Email" value={event.actor.email} />
        </dl>
        <h3>Resource</h3>
        <dl>
          <Row label="Type">
            <span className="detail-value">
              <Value value={event.resource?.type} mono />
              <FilterLink name="resource_type" value={event.resource?.type} onFilter={onFilter}>
                Filter
              </FilterLink>
            </span>
          </Row>
          <ValueRow label="Resource id" value={event.resource?.id} copy mono />
          <ValueRow label="Name" value={event.resource?.name} />
        </dl>
        <h3>Context</h3>
        <dl>
          <Row label="IP address">
            <span className="detail-value">
              <Value value={context?.ip} mono />
              <FilterLink name="ip" value={context?.ip} onFilter={onFilter}>
                Filter
              </FilterLink>
            </span>
          </Row>
          <ValueRow label="Location" value={location} />
          <ValueRow label="User agent" value={context?.user_agent} />
          <ValueRow label="Client" value={client} />
          <ValueRow label="Auth type" value={context?.auth_type} />
        </dl>
      </section>
      {request && (
        <section className="details-wide">
          <h3>Request</h3>
          <dl className="dl-inline">
            <Row label="Method">
              <span className="mono">{request.method}</span>
            </Row>
            <ValueRow label="Path" value={request.path} mono />
            <ValueRow label="Status code" value={request.status_code} mono />
            <ValueRow
              label="Response time"
              value={request.duration_ms === undefined ? undefined : `${request.duration_ms} ms`}
            />
            <ValueRow
              label="API key"
              value={request.api_key_last4 ? `…${request.api_key_last4}` : undefined}
              mono
            />
          </dl>
          <div className="json-grid">
            <div>
              <h4>Query</h4>
              <Json value={request.query} label="Request query" />
            </div>
            <div>
              <h4>Path parameters</h4>
              <Json value={request.params} label="Request path parameters" />
            </div>
            <div>
              <h4>Body</h4>
              <Json value={request.body} label="Request body" />
            </div>
            <div>
              <h4>Headers</h4>
              <Json value={request.headers} label="Request headers" />
            </div>
          </div>
        </section>
      )}
      <section className="details-wide">
        <h3>Metadata</h3>
        <Json value={event.metadata} label="Metadata" />
      </section>
    </div>
  );
}
