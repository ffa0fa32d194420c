import { useState } from 'react';
import { type ApiClient, errorMessage } from '../api/client.js';
import type { ChainStatus as Chain, Verification, VerifyFailure } from '../api/types.js';
import { Badge, LocalTime } from '../components/ui.js';
import { useAsync } from '../lib/use-async.js';
import { useFormAction } from '../lib/use-form-action.js';

function describeFailure(failure: VerifyFailure | undefined): string {
  if (!failure) return 'no detail given';
  const parts = [`at #${failure.seq.toLocaleString()}`, failure.reason.replaceAll('_', ' ')];
  if (failure.detail) parts.push(failure.detail);
  return parts.join(': ');
}

function Summary({ chain }: { chain: Chain }) {
  const { head, checkpoint, last_verification: verification } = chain;
  if (verification && !verification.ok) {
    return (
      <>
        <Badge variant="destructive">Chain verification failed</Badge>
        <span className="small chain-failure">
          {describeFailure(verification.failure)} · checked <LocalTime value={verification.verified_at} />
        </span>
      </>
    );
  }
  if (verification?.ok) {
    return (
      <>
        <Badge variant="success">Chain verified</Badge>
        <span className="small muted">
          {verification.last_seq === null
            ? 'no events yet'
            : `up to #${verification.last_seq.toLocaleString()}`}{' '}
          at <LocalTime value={verification.verified_at} />
        </span>
      </>
    );
  }
  return (
    <>
      <Badge variant="outline">Chain head #{head.seq.toLocaleString()}</Badge>
      <span className="small muted">
        {checkpoint ? (
          <>
            signed checkpoint #{checkpoint.seq.toLocaleString()} at <LocalTime value={checkpoint.signed_at} />
          </>
        ) : (
          'not verified yet'
        )}
      </span>
    </>
  );
}

/**
 * The chain's state in one line: verified up to a sequence number at a time, or the failure,
 * or (before any verification) the head and the newest signed checkpoint. "Verify now" runs a
 * full verification on the server.
 */
export function ChainStatusBadge({
  api,
  refresh,
  canVerify,
}: {
  api: ApiClient;
  refresh: number;
  canVerify: boolean;
}) {
  const [verified, setVerified] = useState(0);
  const verification = useFormAction();
  const chain = useAsync((signal) => api.get<Chain>('/v1/chain', { signal }), [api, refresh, verified]);

  const verify = () =>
    verification.run(async () => {
      await api.post<Verification>('/v1/chain/verify');
      setVerified((v) => v + 1);
    });

  if (chain.loading && !chain.data) {
    return <span className="chain-status muted small">Checking the chain…</span>;
  }
  if (chain.error || !chain.data) {
    return (
      <span className="chain-status muted small" title="GET /v1/chain did not answer">
        Chain status unavailable
      </span>
    );
  }
  const { head } = chain.data;
  return (
    <span className="chain-status" role="status" title={`Head #${head.seq} · ${head.hash}`}>
      <Summary chain={chain.data} />
      {canVerify && (
        <button
          type="button"
          className="button button-link"
          onClick={verify}
          disabled={verification.busy}
          title="Recompute every hash of the retained chain and check the signed checkpoints"
        >
          {verification.busy ? 'Verifying…' : 'Verify now'}
        </button>
      )}
      {verification.error !== null && (
        <span className="small field-error">{errorMessage(verification.error)}</span>
      )}
    </span>
  );
}
