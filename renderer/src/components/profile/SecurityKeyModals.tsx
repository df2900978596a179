import { Alert, Text, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { OperatorKeyView } from '../../../../shared/schemas/webauthn';
import { errorMessage, useTRPCClient } from '../../api/trpc';
import { browserKeyMessage, createCredential } from '../../lib/webauthn';
import { ReauthField, reauthInput } from './ReauthField';
import { FormModal } from '../common/ModalForm';

/**
 * Adds a security key or passkey to the signed-in operator: name, then
 * re-authentication, then the browser's own key dialog. The server checks
 * the attestation against this console's address.
 */
export function AddSecurityKeyModal({ opened, onClose, onAdded }: { opened: boolean; onClose: () => void; onAdded: (key: OperatorKeyView) => void }) {
  const client = useTRPCClient();
  const [name, setName] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [stage, setStage] = useState<'form' | 'touch' | 'saving'>('form');

  useEffect(() => {
    if (opened) {
      setName('');
      setSecret('');
      setError(null);
      setStage('form');
    }
  }, [opened]);

  const submit = async () => {
    if (secret.trim() === '') {
      setError('Enter your current password or a code from your authenticator app');
      return;
    }
    setError(null);
    try {
      setStage('saving');
      const optionsJSON = await client.profile.webauthn.registrationOptions.mutate({ reauth: reauthInput(secret) });
      setStage('touch');
      let response;
      try {
        response = await createCredential(optionsJSON);
      } catch (err) {
        setError(browserKeyMessage(err));
        setStage('form');
        return;
      }
      setStage('saving');
      const label = name.trim();
      const key = await client.profile.webauthn.verifyRegistration.mutate({ response, ...(label ? { label } : {}) });
      onAdded(key);
      onClose();
    } catch (err) {
      setError(errorMessage(err));
      setStage('form');
    }
  };

  return (
    <FormModal
      opened={opened}
      onClose={onClose}
      title="Add a security key or passkey"
      onSubmit={submit}
      error={error}
      cancelDisabled={stage !== 'form'}
      actionLabel="Continue"
      busy={stage !== 'form'}
    >
      <Text size="sm">After you confirm, your browser asks you to touch your security key, or to create a passkey on this device or your phone.</Text>
      <TextInput
        label="Name"
        description="So you can tell your keys apart (optional)."
        placeholder="e.g. YubiKey on my keyring"
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        maxLength={64}
      />
      <ReauthField value={secret} onChange={setSecret} autoFocus />
      {stage === 'touch' && (
        <Alert color="blue" variant="light" title="Your browser is asking for the key">
          Touch your security key, or follow your browser’s passkey prompt.
        </Alert>
      )}
    </FormModal>
  );
}

/** Removes one of the operator's keys, after re-authentication. */
export function RemoveSecurityKeyModal({
  keyToRemove,
  onClose,
  onRemoved,
}: {
  keyToRemove: OperatorKeyView | null;
  onClose: () => void;
  onRemoved: () => void;
}) {
  const client = useTRPCClient();
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setSecret('');
    setError(null);
  }, [keyToRemove]);

  const submit = async () => {
    if (!keyToRemove) return;
    if (secret.trim() === '') {
      setError('Enter your current password or a code from your authenticator app');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await client.profile.webauthn.remove.mutate({ id: keyToRemove.id, reauth: reauthInput(secret) });
      onRemoved();
      onClose();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <FormModal
      opened={keyToRemove !== null}
      onClose={onClose}
      title={keyToRemove ? `Remove “${keyToRemove.label}”?` : ''}
      onSubmit={submit}
      actionLabel="Remove key"
      actionColor="red"
      busy={busy}
    >
      <Text size="sm">You will no longer be able to sign in with this key. Your authenticator app keeps working.</Text>
      <ReauthField value={secret} onChange={setSecret} error={error} autoFocus />
    </FormModal>
  );
}
