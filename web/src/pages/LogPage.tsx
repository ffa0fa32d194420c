import { useCallback, useMemo } from 'react';
import { PageHeader } from '../components/ui.js';
import { EventLog, type ExportAccess } from '../log/EventLog.js';
import type { LogKind } from '../log/EventTable.js';
import { filtersToSearch, type LogFilters, parseFilters } from '../log/filters.js';
import { navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';

const TEXT: Record<LogKind, { title: string; description: string }> = {
  audit: {
    title: 'Audit log',
    description:
      'Every recorded action in this organization, newest first. Events cannot be edited or deleted.',
  },
  request: {
    title: 'API requests',
    description: 'Requests made to your product’s API on behalf of this organization, newest first.',
  },
};

/** The audit log and API requests pages: the log of the session's current org, filters in the URL. */
export function LogPage({ kind }: { kind: LogKind }) {
  const session = useSession();
  const location = useLocation();
  const org = session.org!;
  const filters = useMemo(() => parseFilters(location.search), [location.search]);
  const onFiltersChange = useCallback(
    (next: LogFilters) => {
      const search = filtersToSearch(next, new URLSearchParams({ org: org.id })).toString();
      navigate(`${location.pathname}?${search}`);
    },
    [location.pathname, org.id],
  );
  const exportAccess: ExportAccess = session.can('exportAuditLog')
    ? { allowed: true }
    : { allowed: false, reason: 'Your role cannot export: it lacks the “Export audit log” permission.' };
  return (
    <>
      <PageHeader title={TEXT[kind].title} description={TEXT[kind].description} />
      <EventLog
        key={`${org.id}:${kind}`}
        api={session.api}
        kind={kind}
        filters={filters}
        onFiltersChange={onFiltersChange}
        exportAccess={exportAccess}
      />
    </>
  );
}
