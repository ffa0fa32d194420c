import type { ApiClient } from '../api/client.js';
import type { ChainStatus as Chain } from '../api/types.js';
import { Badge } from '../components/ui.js';
import { formatLocal, formatUtc } from '../lib/time.js';
import { useAsync } from '../lib/use-async.js';

function describeFailure(failure: unknown): string {
  if (failure === undefined || failure === null) return 'no detail given';
  if (typeof failure === 'string') return failure;
  if (typeof failure === 'object') {
    const f = failure as Record<string, unknown>;
    const parts: string[] = [];
    if (f.seq !== undefined) parts.push(`at #${String(f.seq)}`);
    for (const key of ['reason', 'message', 'detail']) {
      if (typeof f[key] === 'string') parts.push(f[key] as string);
    }
    if (parts.length) return parts.join(': ');
  }
  return JSON.stringify(failure);
}

/**
 * The chain's state in one line: verified up to a sequence number at a time, the failure, or
 * (before any verification has run) the head and the newest signed checkpoint.
 */
export function ChainStatusBadge({ api, refresh }: { api: ApiClient; refresh: number }) {
  const chain = useAsync((signal) => api.get<Chain>('/v1/chain', { signal }), [api, refresh]);
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
  const { head, checkpoint, last_verification: verification } = chain.data;
  const hashTitle = `Head #${head.seq} · ${head.hash}`;
  if (verification && !verification.ok) {
    return (
      <span className="chain-status" role="status" title={hashTitle}>
        <Badge variant="destructive">Chain verification failed</Badge>
        <span className="small">
          {describeFailure(verification.failure)} · checked{' '}
          <time dateTime={verification.verified_at} title={formatUtc(verification.verified_at)}>
            {formatLocal(verification.verified_at)}
          </time>
        </span>
      </span>
    );
  }
  if (verification?.ok) {
    return (
      <span className="chain-status" title={hashTitle}>
        <Badge variant="success">Chain verified</Badge>
        <span className="small muted">
          up to #{verification.last_seq.toLocaleString()} at{' '}
          <time dateTime={verification.verified_at} title={formatUtc(verification.verified_at)}>
            {formatLocal(verification.verified_at)}
          </time>
        </span>
      </span>
    );
  }
  return (
    <span className="chain-status" title={hashTitle}>
      <Badge variant="outline">Chain head #{head.seq.toLocaleString()}</Badge>
      <span className="small muted">
        {checkpoint ? (
          <>
            signed checkpoint #{checkpoint.seq.toLocaleString()} at{' '}
            <time dateTime={checkpoint.signed_at} title={formatUtc(checkpoint.signed_at)}>
              {formatLocal(checkpoint.signed_at)}
            </time>
          </>
        ) : (
          'not verified yet'
        )}
      </span>
    </span>
  );
}
