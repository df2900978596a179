import { Alert, Stack } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../api/trpc';
import { PageHeader } from '../components/common/PageHeader';
import { ErrorState, PageLoader } from '../components/common/States';
import { MethodsCard } from '../components/settings/MethodsCard';
import { SettingsForm } from '../components/settings/SettingsForm';
import { useCan } from '../lib/session';

/** Methods on and off (with who relies on each), issuer, TOTP window, throttling, pending-enrollment expiry. */
export function SettingsPage() {
  const trpc = useTRPC();
  const canEdit = useCan('admin');
  const settings = useQuery(trpc.settings.get.queryOptions());

  return (
    <>
      <PageHeader title="Methods & settings" description="Which second factors Tessera accepts, and how codes are checked, throttled and enrolled." />
      <Stack gap="lg" maw={1000}>
        {!canEdit && (
          <Alert color="gray" variant="light" title="Read-only">
            Your role can see these settings but not change them. An administrator can.
          </Alert>
        )}
        <MethodsCard />
        {settings.isPending ? (
          <PageLoader label="Loading settings" />
        ) : settings.isError ? (
          <ErrorState error={settings.error} title="Could not load the settings" onRetry={() => void settings.refetch()} />
        ) : (
          // Keyed by the stored values (methods aside, which the form does not edit), so it starts again from them after a save.
          <SettingsForm key={JSON.stringify({ ...settings.data, methods: null })} settings={settings.data} />
        )}
      </Stack>
    </>
  );
}
