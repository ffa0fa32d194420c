import { useEffect, useState } from 'react';
import type { CreatedStream, Stream, StreamTestResult } from '../api/types.js';
import { type Confirmation, ConfirmDialog } from '../components/forms.js';
import { DataTable, DeleteRowButton, LoadedList, RowButton, ToggleRowButton } from '../components/tables.js';
import { Badge, ChangeNotices, EmptyState, LocalTime, PageHeader, SecretNotice } from '../components/ui.js';
import { relative } from '../lib/time.js';
import { type Outcome, useChanges } from '../lib/use-form-action.js';
import { useList } from '../lib/use-list.js';
import { useSession } from '../session.js';
import { DESTINATION_LABELS, destinationTarget, FORMAT_LABELS, lagText } from '../streams/labels.js';
import { StreamDialog } from '../streams/StreamDialog.js';

/** How often the page asks again for delivery status while it is open. */
const REFRESH_MS = 5000;

function StatusBadge({ stream }: { stream: Stream }) {
  if (stream.status === 'paused') {
    return (
      <Badge variant="muted" title={stream.paused_reason ?? undefined}>
        paused
      </Badge>
    );
  }
  if (stream.delivery.failing_since) return <Badge variant="warning">failing</Badge>;
  return <Badge variant="success">delivering</Badge>;
}

function When({ value }: { value: string | null }) {
  return value ? (
    <LocalTime value={value}>{relative(value)}</LocalTime>
  ) : (
    <span className="muted">never</span>
  );
}

function testOutcome(stream: Stream, result: StreamTestResult): Outcome {
  if (result.outcome === 'delivered')
    return { tone: 'success', text: `A test event reached “${stream.name}”.` };
  const status = result.status ? ` (HTTP ${result.status})` : '';
  return {
    tone: 'error',
    text: `The test event to “${stream.name}” failed${status}: ${result.reason ?? result.outcome}`,
  };
}

/** The org's streams to its SIEM and storage, with what each has delivered and what it has not. */
export function StreamsPage() {
  const session = useSession();
  const streams = useList<Stream>('/v1/streams');
  const { reload } = streams;
  useEffect(() => {
    const timer = window.setInterval(reload, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [reload]);
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Confirmation | null>(null);
  const change = useChanges();
  const path = (s: Stream) => `/v1/streams/${encodeURIComponent(s.id)}`;

  const test = (s: Stream) =>
    change.run(async () =>
      change.report(testOutcome(s, await session.api.post<StreamTestResult>(`${path(s)}/test`))),
    );
  const pauseOrResume = (s: Stream) =>
    change.run(async () => {
      const verb = s.status === 'paused' ? 'resume' : 'pause';
      await session.api.post(`${path(s)}/${verb}`);
      change.report({ tone: 'success', text: `“${s.name}” ${verb === 'pause' ? 'paused' : 'resumed'}.` });
      reload();
    });
  const confirmDelete = (s: Stream) =>
    setDeleting({
      title: 'Delete this stream?',
      action: 'Delete stream',
      busyAction: 'Deleting…',
      body: (
        <p>
          “{s.name}” stops at once and its place in the log is forgotten. Events already sent stay where they
          are.
        </p>
      ),
      run: async () => {
        await session.api.delete(path(s));
        setDeleting(null);
        change.report({ tone: 'success', text: `“${s.name}” deleted.` });
        reload();
      },
    });

  return (
    <>
      <PageHeader
        title="Streams"
        description="Every event, in order and at least once, to your SIEM or storage. Secrets are stored and never shown again."
        actions={
          <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
            Create stream
          </button>
        }
      />
      <ChangeNotices changes={change} errorTitle="The stream could not be changed" />
      <SecretNotice secret={secret} onDismiss={() => setSecret(null)} />
      <section className="card" aria-label="Streams">
        <LoadedList
          of="streams"
          state={streams}
          empty={
            <EmptyState title="No streams yet">
              <p>Create one to send every new event to a webhook, Splunk, Datadog, syslog or S3.</p>
            </EmptyState>
          }
        >
          {(data) => (
            <DataTable
              caption="Streams"
              columns={['Stream', 'Format', 'Status', 'Lag', 'Last success', 'Last error']}
              actions
            >
              {data.map((s) => (
                <tr key={s.id} data-stream={s.id}>
                  <td>
                    {s.name}
                    <div className="muted">{DESTINATION_LABELS[s.destination.type]}</div>
                    <div className="mono muted cell-note">{destinationTarget(s)}</div>
                  </td>
                  <td>{FORMAT_LABELS[s.format]}</td>
                  <td>
                    <StatusBadge stream={s} />
                    {s.paused_reason && <div className="muted cell-note">{s.paused_reason}</div>}
                  </td>
                  <td data-cell="lag" className="cell-note">
                    {lagText(s)}
                  </td>
                  <td data-cell="last-success">
                    <When value={s.delivery.last_success_at} />
                  </td>
                  <td data-cell="last-error" className="cell-note">
                    {s.delivery.last_error ? (
                      <>
                        <When value={s.delivery.last_error_at} />
                        <div className="muted">{s.delivery.last_error}</div>
                      </>
                    ) : (
                      <span className="muted">none</span>
                    )}
                  </td>
                  <td className="row-actions">
                    <RowButton label={`Send a test event to ${s.name}`} onClick={() => void test(s)}>
                      Send test
                    </RowButton>
                    <ToggleRowButton
                      on={s.status !== 'paused'}
                      name={s.name}
                      verbs={['Pause', 'Resume']}
                      onClick={() => void pauseOrResume(s)}
                    />
                    <DeleteRowButton name={s.name} onClick={() => confirmDelete(s)} />
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </LoadedList>
      </section>
      {creating && (
        <StreamDialog
          onClose={() => setCreating(false)}
          onCreated={(created: CreatedStream) => {
            setCreating(false);
            if (created.generated_secret) setSecret(created.generated_secret);
            change.report({ tone: 'success', text: `“${created.name}” created.` });
            reload();
          }}
        />
      )}
      <ConfirmDialog confirmation={deleting} onClose={() => setDeleting(null)} />
    </>
  );
}
