import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { errorMessage } from '../api/client.js';
import type { BadgeVariant } from '../lib/actions.js';
import { formatLocal, formatUtc } from '../lib/time.js';
import type { Changes } from '../lib/use-form-action.js';

/** Small building blocks shared by every page. Untrusted text is always a React text child. */

export function Badge({
  variant = 'outline',
  children,
  title,
}: {
  variant?: BadgeVariant | 'success' | 'warning' | 'muted';
  children: ReactNode;
  title?: string;
}) {
  return (
    <span className={`badge badge-${variant}`} title={title}>
      {children}
    </span>
  );
}

/** A timestamp in the viewer's zone; the UTC time on hover and for screen readers' description. */
export function Timestamp({ value }: { value: string }) {
  const [date, time] = formatLocal(value).split(' ');
  // Two spans so that a narrow column breaks between date and time, never inside either.
  return (
    <time dateTime={value} title={formatUtc(value)} className="timestamp">
      <span>{date}</span> <span>{time}</span>
    </time>
  );
}

/** A time in the viewer's zone (or as `children` say it), the UTC time on hover. */
export function LocalTime({ value, children }: { value: string; children?: ReactNode }) {
  return (
    <time dateTime={value} title={formatUtc(value)}>
      {children ?? formatLocal(value)}
    </time>
  );
}

export function Spinner({ label = 'Loading' }: { label?: string }) {
  return (
    <span className="spinner" role="status">
      <span className="visually-hidden">{label}</span>
    </span>
  );
}

export function ErrorNotice({
  error,
  onRetry,
  title = 'Something went wrong',
}: {
  error: unknown;
  onRetry?: () => void;
  title?: string;
}) {
  return (
    <Notice
      tone="error"
      action={
        onRetry && (
          <button type="button" className="button button-secondary" onClick={onRetry}>
            Try again
          </button>
        )
      }
    >
      <strong>{title}</strong>
      <p>{errorMessage(error)}</p>
    </Notice>
  );
}

/** A message in a coloured box; errors are announced at once (`alert`), the rest politely. */
export function Notice({
  tone = 'info',
  className,
  children,
  action,
  onDismiss,
}: {
  tone?: 'info' | 'success' | 'warning' | 'error';
  className?: string | undefined;
  children: ReactNode;
  /** A button beside the message. */
  action?: ReactNode;
  onDismiss?: () => void;
}) {
  return (
    <div
      className={`notice notice-${tone}${className ? ` ${className}` : ''}`}
      role={tone === 'error' ? 'alert' : 'status'}
    >
      <div>{children}</div>
      {action}
      {onDismiss && (
        <button type="button" className="button button-ghost button-small" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}

/**
 * The notices above a page's list after a change: its outcome, dismissable, and why it failed
 * when it threw.
 */
export function ChangeNotices({ changes, errorTitle }: { changes: Changes; errorTitle: string }) {
  const { outcome, error } = changes;
  return (
    <>
      {outcome && (
        <Notice tone={outcome.tone} onDismiss={changes.dismiss}>
          {outcome.text}
        </Notice>
      )}
      {error !== null && <ErrorNotice error={error} title={errorTitle} />}
    </>
  );
}

/** A webhook signing secret Trailmark generated: shown once, with a copy button. */
export function SecretNotice({ secret, onDismiss }: { secret: string | null; onDismiss(): void }) {
  if (!secret) return null;
  return (
    <Notice tone="success" onDismiss={onDismiss}>
      The webhook's signing secret, shown only now: <span className="mono">{secret}</span>{' '}
      <CopyButton value={secret} />
    </Notice>
  );
}

/** "enabled" in green or "disabled" in grey (or the words given). */
export function OnOffBadge({
  on,
  words = ['enabled', 'disabled'],
}: {
  on: boolean;
  words?: [string, string];
}) {
  return <Badge variant={on ? 'success' : 'muted'}>{on ? words[0] : words[1]}</Badge>;
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      <p className="empty-title">{title}</p>
      {children && <div className="empty-body">{children}</div>}
    </div>
  );
}

export function CopyButton({ value, label = 'Copy' }: { value: string; label?: string }) {
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (copied === 'idle') return;
    const timer = window.setTimeout(() => setCopied('idle'), 2000);
    return () => window.clearTimeout(timer);
  }, [copied]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('copied');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <button type="button" className="button button-secondary button-small" onClick={copy}>
      <span aria-live="polite">
        {copied === 'copied' ? 'Copied' : copied === 'failed' ? 'Copy failed: select and copy' : label}
      </span>
    </button>
  );
}

/** A modal on the native <dialog>: focus moves in and is trapped, Escape closes it. */
export function Dialog({
  open,
  title,
  onClose,
  children,
  footer,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onClose={onClose}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      {open && (
        <>
          <header className="dialog-header">
            <h2 id={titleId}>{title}</h2>
          </header>
          <div className="dialog-body">{children}</div>
          {footer && <footer className="dialog-footer">{footer}</footer>}
        </>
      )}
    </dialog>
  );
}

export function PageHeader({
  title,
  description,
  actions,
}: {
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
}) {
  useEffect(() => {
    document.title = `${title} · Trailmark`;
  }, [title]);
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {description && <p className="page-description">{description}</p>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </header>
  );
}

/** A shortened id for tables (the full one on hover and in the details). */
export function ShortId({ value, keep = 10 }: { value: string; keep?: number }) {
  if (value.length <= keep + 1) return <span className="mono">{value}</span>;
  return (
    <span className="mono" title={value}>
      {value.slice(0, keep)}…
    </span>
  );
}
