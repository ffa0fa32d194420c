import { eventsHref, SEVERITY_VARIANT, STATUS_VARIANT } from '../alerts/labels.js';
import type { AlertList, AlertView } from '../api/types.js';
import { DataTable, LoadedList, RowButton } from '../components/tables.js';
import { Badge, ChangeNotices, EmptyState, PageHeader, Timestamp } from '../components/ui.js';
import { useAsync } from '../lib/use-async.js';
import { useChanges } from '../lib/use-form-action.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';

/** Alerts raised by the detectors and rules: open ones first, then the most recent others. */
export function AlertsPage() {
  const session = useSession();
  const alerts = useAsync(
    async (signal) => {
      const [open, others] = await Promise.all([
        session.api.get<AlertList>('/v1/alerts?status=open&limit=200', { signal }),
        session.api.get<AlertList>('/v1/alerts?status=acknowledged,resolved&limit=50', { signal }),
      ]);
      return [...open.data, ...others.data];
    },
    [session.api],
  );
  const change = useChanges();
  const act = (alert: AlertView, verb: 'acknowledge' | 'resolve') =>
    change.run(async () => {
      await session.api.post(`/v1/alerts/${encodeURIComponent(alert.id)}/${verb}`);
      change.report({
        tone: 'success',
        text: `“${alert.title}” ${verb === 'acknowledge' ? 'acknowledged' : 'resolved'}.`,
      });
      alerts.reload();
    });

  return (
    <>
      <PageHeader
        title="Alerts"
        description="What the detectors and your rules raised. Open alerts come first; each links to its events in the audit log."
        actions={
          <button type="button" className="button button-secondary" onClick={() => alerts.reload()}>
            Refresh
          </button>
        }
      />
      <ChangeNotices changes={change} errorTitle="The alert could not be changed" />
      <section className="card" aria-label="Alerts">
        <LoadedList
          of="alerts"
          state={alerts}
          empty={
            <EmptyState title="No alerts">
              <p>Nothing has raised an alert. Detectors and rules are set up under Rules &amp; channels.</p>
            </EmptyState>
          }
        >
          {(data) => (
            <DataTable
              caption="Alerts, open first"
              columns={['Raised', 'Severity', 'Alert', 'Source', 'Status', 'Events']}
              actions
            >
              {data.map((alert) => (
                <tr key={alert.id} data-alert-id={alert.id}>
                  <td>
                    <Timestamp value={alert.created_at} />
                  </td>
                  <td>
                    <Badge variant={SEVERITY_VARIANT[alert.severity]}>{alert.severity}</Badge>
                  </td>
                  <td className="cell-wrap">
                    <strong>{alert.title}</strong>
                    <div className="muted">{alert.description}</div>
                  </td>
                  <td>
                    {alert.source.name}
                    <div className="muted">{alert.source.kind}</div>
                  </td>
                  <td>
                    <Badge variant={STATUS_VARIANT[alert.status]}>{alert.status}</Badge>
                    {alert.deliveries.some((d) => d.status === 'failed') && (
                      <div className="muted">a notification failed</div>
                    )}
                  </td>
                  <td>
                    <Link href={eventsHref(alert, session.org?.id)} aria-label={`Events of ${alert.title}`}>
                      {alert.matched_count} {alert.matched_count === 1 ? 'event' : 'events'}
                    </Link>
                  </td>
                  <td className="row-actions">
                    {alert.status === 'open' && (
                      <RowButton
                        label={`Acknowledge ${alert.title}`}
                        onClick={() => void act(alert, 'acknowledge')}
                      >
                        Acknowledge
                      </RowButton>
                    )}
                    {alert.status !== 'resolved' && (
                      <RowButton label={`Resolve ${alert.title}`} onClick={() => void act(alert, 'resolve')}>
                        Resolve
                      </RowButton>
                    )}
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </LoadedList>
      </section>
    </>
  );
}
