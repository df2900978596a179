import { ActionIcon, Badge, Button, Group, Modal, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { RenameFactorInput, type FactorView } from '../../../../shared/schemas/factors';
import { isDeliveredType, type FactorType } from '../../../../shared/schemas/methods';
import { errorMessage, fieldErrors, useTRPC } from '../../api/trpc';
import { factorTypeName } from '../../lib/useMethodNames';
import { checkForm } from '../../lib/zodForm';
import { ConfirmFactorModal } from './ConfirmFactorModal';
import { refusalOf } from './deliveryRefusal';
import { HotpResyncModal } from './HotpResyncModal';
import { SubmitForm } from '../common/ModalForm';

/**
 * What a row of a user's factor list shows and offers beyond the common
 * columns, one panel per method: details under its type name, actions
 * beside Rename and Remove (helpdesk and admins). A new method adds its
 * panel here; the page loops over none of the types.
 */
interface FactorPanel {
  Details?: (props: { factor: FactorView }) => ReactNode;
  Actions?: (props: { username: string; factor: FactorView }) => ReactNode;
}

const FACTOR_PANELS: Record<FactorType, FactorPanel> = {
  totp: { Details: OtpFactorDetails },
  hotp: { Details: OtpFactorDetails, Actions: HotpFactorActions },
  webauthn: { Details: WebauthnFactorDetails },
  email: { Details: DeliveredFactorDetails },
  sms: { Details: DeliveredFactorDetails },
};

/** An email or SMS factor: where its codes go, masked as the server sends it. */
function DeliveredFactorDetails({ factor }: { factor: FactorView }) {
  return factor.destination ? (
    <Text size="xs" c="dimmed" data-testid={`factor-${factor.id}-destination`}>
      {factor.destination}
    </Text>
  ) : null;
}

/** Under a factor's type name: what its method shows of it, and whether only operators may remove it. */
export function FactorDetails({ factor }: { factor: FactorView }) {
  const Details = FACTOR_PANELS[factor.type].Details;
  return (
    <>
      {Details && <Details factor={factor} />}
      {!factor.appsMayRemove && <OperatorsOnlyBadge factor={factor} />}
    </>
  );
}

/** The method is the organisation's (settings: who may remove factors): applications are refused when they remove it. Never cut short: the column widens. */
function OperatorsOnlyBadge({ factor }: { factor: FactorView }) {
  return (
    <Tooltip
      label={`Applications may not remove ${factorTypeName(factor)} factors, nor reset a user who has one (Settings → Method names and removal). Helpdesk and administrators can, here.`}
      multiline
      w={280}
    >
      <Badge size="xs" color="grape" variant="light" tabIndex={0} mt={4} miw="max-content" data-testid={`factor-${factor.id}-operators-only`}>
        Only operators can remove
      </Badge>
    </Tooltip>
  );
}

/** Beside Rename and Remove: what its method offers (HOTP: resync), and for a pending code factor its confirmation. */
export function FactorActions({ username, factor }: { username: string; factor: FactorView }) {
  const Actions = FACTOR_PANELS[factor.type].Actions;
  return (
    <>
      {factor.status === 'pending' && factor.type !== 'webauthn' && <PendingFactorActions username={username} factor={factor} />}
      {Actions && <Actions username={username} factor={factor} />}
    </>
  );
}

/**
 * A pending factor that confirms with a code (app, token, email, SMS):
 * "Confirm with code", and for email/SMS "Resend code" (the send limits
 * apply: a refusal says how long to wait).
 */
function PendingFactorActions({ username, factor }: { username: string; factor: FactorView }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const resend = useMutation(trpc.users.resendCode.mutationOptions());
  const name = `${factor.label ? `“${factor.label}”` : factorTypeName(factor)}`;
  const sendAgain = async () => {
    try {
      const sent = await resend.mutateAsync({ username, factorId: factor.id });
      if (sent.sent)
        notifications.show({ color: 'teal', title: 'Code sent again', message: `A new code went to ${sent.destination}. Confirm the factor with it.` });
      void queryClient.invalidateQueries(trpc.audit.forUser.pathFilter());
    } catch (err) {
      const r = refusalOf(err);
      notifications.show({ color: r.code === 'throttled' ? 'orange' : 'red', title: 'The code was not sent', message: r.message });
    }
  };
  return (
    <>
      <Button size="compact-xs" variant="light" onClick={() => setConfirming(true)} aria-label={`Confirm ${name} with code`}>
        Confirm with code
      </Button>
      {isDeliveredType(factor.type) && (
        <Button size="compact-xs" variant="subtle" onClick={() => void sendAgain()} loading={resend.isPending} aria-label={`Resend code to ${name}`}>
          Resend code
        </Button>
      )}
      <ConfirmFactorModal username={username} factor={confirming ? factor : null} onClose={() => setConfirming(false)} />
    </>
  );
}

/** An OTP factor's parameters: "SHA-1 · 6 digits · 30 s". */
function OtpFactorDetails({ factor: f }: { factor: FactorView }) {
  const parts: string[] = [];
  if (f.algorithm) parts.push(f.algorithm.replace('SHA', 'SHA-'));
  if (f.digits) parts.push(`${f.digits} digits`);
  if (f.period) parts.push(`${f.period} s`);
  return (
    <Text size="xs" c="dimmed">
      {parts.join(' · ')}
    </Text>
  );
}

/** An active HOTP token can be resynchronised with two consecutive codes. */
function HotpFactorActions({ username, factor }: { username: string; factor: FactorView }) {
  const [open, setOpen] = useState(false);
  if (factor.status !== 'active') return null;
  return (
    <>
      <Button size="compact-xs" variant="subtle" onClick={() => setOpen(true)} aria-label={`Resynchronise ${factor.label ?? 'HOTP token'}`}>
        Resync
      </Button>
      <HotpResyncModal username={username} factorId={open ? factor.id : null} onClose={() => setOpen(false)} />
    </>
  );
}

/**
 * Under a WebAuthn factor in a user's factor list: the authenticator model
 * (from its AAGUID), whether it is a synced passkey, the relying party it
 * belongs to, and — when its signature counter went backwards — that it is
 * refused as a possible clone until removed.
 */
function WebauthnFactorDetails({ factor }: { factor: FactorView }) {
  const w = factor.webauthn;
  if (!w) return null;
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed" title={`AAGUID ${w.aaguid}`}>
        {w.model} · {w.rpId}
      </Text>
      {(w.backedUp || w.flaggedAt) && (
        <Group gap={4}>
          {w.backedUp && (
            <Badge size="xs" color="gray" variant="light">
              Synced passkey
            </Badge>
          )}
          {w.flaggedAt && (
            <Tooltip label="Its signature counter went backwards, so it may have been copied. It is refused until it is removed." multiline w={260}>
              <Badge size="xs" color="red" variant="light" tabIndex={0}>
                Refused: possible clone
              </Badge>
            </Tooltip>
          )}
        </Group>
      )}
    </Stack>
  );
}

/** Renames one of a user's factors (helpdesk and admins); the change is audited. */
export function RenameFactorButton({ username, factor, typeLabel }: { username: string; factor: FactorView; typeLabel: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [opened, setOpened] = useState(false);
  const [label, setLabel] = useState('');
  const [error, setError] = useState<string | null>(null);
  const rename = useMutation(
    trpc.users.renameFactor.mutationOptions({
      onSuccess: async (f) => {
        notifications.show({ color: 'teal', title: 'Factor renamed', message: `${typeLabel} is now “${f.label}”.` });
        setOpened(false);
        await Promise.all([
          queryClient.invalidateQueries(trpc.users.get.queryFilter({ username })),
          queryClient.invalidateQueries(trpc.audit.forUser.pathFilter()),
        ]);
      },
      onError: (err) => setError(fieldErrors(err).label ?? errorMessage(err)),
    }),
  );

  useEffect(() => {
    if (opened) {
      setLabel(factor.label ?? '');
      setError(null);
    }
  }, [opened, factor.label]);

  const submit = () => {
    const checked = checkForm(RenameFactorInput, { label });
    if (!checked.ok) {
      setError(checked.errors.label ?? 'Enter a name');
      return;
    }
    rename.mutate({ username, factorId: factor.id, label: checked.data.label });
  };

  return (
    <>
      <Tooltip label="Rename">
        <ActionIcon size="sm" variant="subtle" onClick={() => setOpened(true)} aria-label={`Rename ${typeLabel}${factor.label ? ` “${factor.label}”` : ''}`}>
          <svg
            width="14"
            height="14"
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            strokeWidth="2"
            strokeLinecap="round"
            strokeLinejoin="round"
            aria-hidden="true"
          >
            <path d="M12 20h9" />
            <path d="M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4Z" />
          </svg>
        </ActionIcon>
      </Tooltip>
      <Modal opened={opened} onClose={() => setOpened(false)} title={`Rename ${typeLabel.toLowerCase()}`} centered>
        <SubmitForm onSubmit={submit}>
          <TextInput
            label="Name"
            description="What the user and helpdesk call this device."
            value={label}
            onChange={(e) => setLabel(e.currentTarget.value)}
            error={error}
            maxLength={64}
            data-autofocus
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpened(false)}>
              Cancel
            </Button>
            <Button type="submit" loading={rename.isPending}>
              Rename
            </Button>
          </Group>
        </SubmitForm>
      </Modal>
    </>
  );
}
