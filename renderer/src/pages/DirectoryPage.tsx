import { Alert, Stack } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../api/trpc';
import { PageHeader } from '../components/common/PageHeader';
import { ErrorState, PageLoader } from '../components/common/States';
import { ConnectionForm } from '../components/directory/ConnectionForm';
import { SyncPanel } from '../components/directory/SyncPanel';
import { useCan } from '../lib/session';

/** Users from LDAP / Active Directory: the connection (with a test), and the sync (preview, then apply as a job). Auditors read. */
export function DirectoryPage() {
  const trpc = useTRPC();
  const canEdit = useCan('admin');
  const view = useQuery(trpc.directory.get.queryOptions());

  return (
    <>
      <PageHeader
        title="Directory"
        description="Read users from Active Directory or OpenLDAP. People who leave the directory, or are disabled there, are disabled here; their factors are removed after the grace period."
      />
      <Stack gap="lg" maw={1000}>
        {!canEdit && (
          <Alert color="gray" variant="light" title="Read-only">
            Your role can see the directory settings and the last sync but not change them or run a sync. An administrator can.
          </Alert>
        )}
        {view.isPending ? (
          <PageLoader />
        ) : view.isError ? (
          <ErrorState error={view.error} onRetry={() => void view.refetch()} />
        ) : (
          <>
            {/* keyed by the saved time: after a save the form starts again from what is stored */}
            <ConnectionForm key={view.data?.updatedAt ?? 'new'} view={view.data} canEdit={canEdit} />
            <SyncPanel configured={view.data !== null} canEdit={canEdit} lastSync={view.data?.lastSync ?? null} />
          </>
        )}
      </Stack>
    </>
  );
}
