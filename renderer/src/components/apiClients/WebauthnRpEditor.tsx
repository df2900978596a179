import { Alert, Anchor, Badge, Button, Group, Modal, Switch, Text, Textarea, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { ApiKeyView } from '../../../../shared/schemas/apiKeys';
import { WebauthnRpInput, type WebauthnRpConfig } from '../../../../shared/schemas/webauthn';
import { authenticatorModel, UNKNOWN_MODEL } from '../../../../shared/webauthn/authenticatorModels';
import { errorMessage, fieldErrors, formError, useTRPC } from '../../api/trpc';
import { formatDateTime } from '../../lib/format';
import { useCan } from '../../lib/session';
import { checkForm } from '../../lib/zodForm';
import { ErrorAlert, SubmitForm } from '../common/ModalForm';

const lines = (text: string) =>
  text
    .split(/[\n,]+/)
    .map((l) => l.trim())
    .filter((l) => l !== '');

interface FormState {
  rpId: string;
  rpName: string;
  origins: string;
  requireUserVerification: boolean;
  aaguids: string;
}

function toForm(rp: WebauthnRpConfig | null, apiKey: ApiKeyView): FormState {
  return {
    rpId: rp?.rpId ?? '',
    rpName: rp?.rpName ?? apiKey.name,
    origins: rp?.origins.join('\n') ?? '',
    requireUserVerification: rp?.requireUserVerification ?? false,
    aaguids: rp?.aaguids.join('\n') ?? '',
  };
}

/**
 * The WebAuthn relying party of one application (API key): the RP ID its
 * users' security keys and passkeys are bound to, the name browsers show,
 * the exact origins responses may come from, whether user verification (PIN
 * or biometrics) is required, and an optional allow list of authenticator
 * models. Checked with the server's own schema; admins change it, auditors
 * read it.
 */
export function WebauthnRpEditor({ apiKey, onDone }: { apiKey: ApiKeyView; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canChange = useCan('admin') && !apiKey.revokedAt;
  const current = useQuery(trpc.apiKeys.getWebauthn.queryOptions({ apiKeyId: apiKey.id }));
  const [form, setForm] = useState<FormState | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [confirmRemove, setConfirmRemove] = useState(false);

  useEffect(() => {
    if (current.data !== undefined && form === null) setForm(toForm(current.data, apiKey));
  }, [current.data, form, apiKey]);

  const save = useMutation(
    trpc.apiKeys.setWebauthn.mutationOptions({
      onSuccess: async (rp) => {
        notifications.show({
          color: 'green',
          title: rp ? 'WebAuthn relying party saved' : 'WebAuthn relying party removed',
          message: rp ? `${apiKey.name} registers and checks keys for ${rp.rpId}.` : `${apiKey.name} can no longer use security keys through Tessera.`,
        });
        await queryClient.invalidateQueries({ queryKey: trpc.apiKeys.getWebauthn.queryKey({ apiKeyId: apiKey.id }) });
        onDone();
      },
      // The server names fields as rp.rpId, rp.origins.0…: shown under the field they belong to.
      onError: (err) => setErrors(Object.fromEntries(Object.entries(fieldErrors(err)).map(([k, v]) => [k.replace(/^rp\./, '').split('.')[0]!, v]))),
    }),
  );

  if (current.isPending || (current.data !== undefined && form === null)) return <Text size="sm">Loading…</Text>;
  if (current.isError) return <Alert color="red">{errorMessage(current.error)}</Alert>;
  const f = form!;
  // A field's error goes as soon as it is edited; Save checks again.
  const set = (patch: Partial<FormState>) => {
    setForm({ ...f, ...patch });
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !(k in patch))));
  };

  const submit = () => {
    const checked = checkForm(WebauthnRpInput, {
      rpId: f.rpId,
      rpName: f.rpName,
      origins: lines(f.origins),
      requireUserVerification: f.requireUserVerification,
      aaguids: lines(f.aaguids),
    });
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    save.mutate({ apiKeyId: apiKey.id, rp: checked.data });
  };

  const aaguidList = lines(f.aaguids);

  // The two lists are typed one entry a line.
  const listField = (key: 'origins' | 'aaguids') => ({
    autosize: true,
    minRows: 2,
    value: f[key],
    onChange: (e: React.ChangeEvent<HTMLTextAreaElement>) => set({ [key]: e.currentTarget.value }),
    error: errors[key],
    readOnly: !canChange,
  });

  return (
    <SubmitForm onSubmit={() => canChange && submit()}>
      {current.data === null && (
        <Text size="sm" c="dimmed">
          No relying party yet: this application cannot register or check security keys through Tessera until one is set.
        </Text>
      )}
      {current.data && (
        <Text size="xs" c="dimmed">
          Last changed {formatDateTime(current.data.updatedAt)}
        </Text>
      )}
      <TextInput
        label="RP ID"
        description="The host name keys are bound to, without https:// or a port — e.g. login.example.com, or localhost. Not an IP address."
        value={f.rpId}
        onChange={(e) => set({ rpId: e.currentTarget.value })}
        error={errors.rpId}
        readOnly={!canChange}
        required
        autoFocus={canChange}
      />
      <TextInput
        label="RP name"
        description="Shown by browsers when a key is created."
        value={f.rpName}
        onChange={(e) => set({ rpName: e.currentTarget.value })}
        error={errors.rpName}
        readOnly={!canChange}
        required
      />
      <Textarea
        label="Allowed origins"
        description="One per line: the exact pages the application signs users in on, e.g. https://login.example.com. Responses from any other origin are refused."
        {...listField('origins')}
        required
      />
      <Switch
        label="Require user verification"
        description="The key must check a PIN, fingerprint or face, not only a touch. Keys that cannot are refused."
        checked={f.requireUserVerification}
        onChange={(e) => set({ requireUserVerification: e.currentTarget.checked })}
        disabled={!canChange}
      />
      <Textarea
        label="Allowed authenticator models (AAGUIDs)"
        description="Optional, one per line. Empty: any model. The model is what the authenticator says it is, not proof."
        {...listField('aaguids')}
        placeholder="cb69481e-8ff7-4039-93ec-0a2729a154a8"
      />
      {aaguidList.length > 0 && (
        <Group gap={6}>
          {aaguidList.map((a) => (
            <Badge key={a} variant="light" color={authenticatorModel(a) === UNKNOWN_MODEL ? 'gray' : 'blue'} className="break-anywhere">
              {authenticatorModel(a)}
            </Badge>
          ))}
        </Group>
      )}
      <ErrorAlert message={formError(save.error)} />
      {canChange && (
        <Group justify="space-between">
          {current.data ? (
            confirmRemove ? (
              <Group gap="xs">
                <Text size="sm">Remove? Its users’ keys stop working here.</Text>
                <Button size="xs" color="red" onClick={() => save.mutate({ apiKeyId: apiKey.id, rp: null })} loading={save.isPending}>
                  Remove
                </Button>
                <Anchor component="button" type="button" size="sm" onClick={() => setConfirmRemove(false)}>
                  Keep
                </Anchor>
              </Group>
            ) : (
              <Button variant="subtle" color="red" onClick={() => setConfirmRemove(true)}>
                Remove relying party
              </Button>
            )
          ) : (
            <span />
          )}
          <Button type="submit" loading={save.isPending}>
            Save
          </Button>
        </Group>
      )}
    </SubmitForm>
  );
}

/** A small button for an API client's row that opens its WebAuthn relying party. */
export function WebauthnRpButton({ apiKey }: { apiKey: ApiKeyView }) {
  const [opened, setOpened] = useState(false);
  return (
    <>
      <Anchor
        component="button"
        type="button"
        size="xs"
        ta="left"
        display="block"
        onClick={() => setOpened(true)}
        aria-label={`WebAuthn relying party of ${apiKey.name}`}
      >
        WebAuthn…
      </Anchor>
      <Modal opened={opened} onClose={() => setOpened(false)} title={`WebAuthn relying party — ${apiKey.name}`} size="lg" centered>
        {opened && <WebauthnRpEditor apiKey={apiKey} onDone={() => setOpened(false)} />}
      </Modal>
    </>
  );
}
