import { Alert, Skeleton, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { Settings } from '../../../shared/schemas/settings';
import { useTRPC } from '../api/trpc';
import { PageHeader } from '../components/common/PageHeader';
import { ErrorState, PageLoader } from '../components/common/States';
import { METHOD_POLICY_FIELDS, MethodPoliciesCard } from '../components/settings/MethodPoliciesCard';
import { MethodsCard } from '../components/settings/MethodsCard';
import { SENT_CODE_FIELDS, SentCodesCard } from '../components/settings/SentCodesCard';
import { FIELDS, SettingsForm } from '../components/settings/SettingsForm';
import { SIGN_IN_OPTION_FIELDS, SignInOptionsCard } from '../components/settings/SignInOptionsCard';
import { SmsGatewayCard } from '../components/settings/SmsGatewayCard';
import { SmtpCard } from '../components/settings/SmtpCard';
import { useCan } from '../lib/session';

/** The stored values a card edits: its key, so it starts again from them after a save (and only its own save). */
function keyOf(settings: Settings, own: (keyof Settings)[]): string {
  return JSON.stringify(own.map((k) => settings[k]));
}
const SENT: (keyof Settings)[] = [...SENT_CODE_FIELDS];
const SIGN_IN: (keyof Settings)[] = [...SIGN_IN_OPTION_FIELDS];
const POLICIES: (keyof Settings)[] = [...METHOD_POLICY_FIELDS];

/** Methods on and off (with who relies on each), issuer, TOTP window, throttling, pending-enrollment expiry, sent codes, remembered devices and re-checks, method names and who may remove factors, and email and SMS delivery. */
export function SettingsPage() {
  const trpc = useTRPC();
  const canEdit = useCan('admin');
  const settings = useQuery(trpc.settings.get.queryOptions());
  const delivery = useQuery(trpc.settings.delivery.queryOptions());

  return (
    <>
      <PageHeader
        title="Methods & settings"
        description="Which second factors Tessera accepts, how codes are checked, throttled and enrolled, and how emailed and texted codes are sent."
      />
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
          <>
            <SettingsForm key={`general:${keyOf(settings.data, FIELDS)}`} settings={settings.data} />
            <SentCodesCard key={`sent:${keyOf(settings.data, SENT)}`} settings={settings.data} />
            <SignInOptionsCard key={`sign-in:${keyOf(settings.data, SIGN_IN)}`} settings={settings.data} />
            <MethodPoliciesCard key={`policies:${keyOf(settings.data, POLICIES)}`} settings={settings.data} />
          </>
        )}
        <Stack gap={4} mt="sm">
          <Title order={2} size="h3">
            Delivery
          </Title>
          <Text size="sm" c="dimmed" maw={760}>
            Where email and text-message codes go out. Secrets are write-only: once saved, they are never shown again, not even to administrators.
          </Text>
        </Stack>
        {delivery.isPending ? (
          <Skeleton h={420} radius="md" />
        ) : delivery.isError ? (
          <ErrorState error={delivery.error} title="Could not load the email and SMS settings" onRetry={() => void delivery.refetch()} />
        ) : (
          <>
            <SmtpCard key={`email:${JSON.stringify(delivery.data.email)}`} view={delivery.data.email} />
            <SmsGatewayCard key={`sms:${JSON.stringify(delivery.data.sms)}`} view={delivery.data.sms} />
          </>
        )}
      </Stack>
    </>
  );
}
