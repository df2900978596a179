import { Alert, Button, Stack } from '@mantine/core';
import { useState } from 'react';
import { OtpCode } from '../../../../shared/schemas/operators';
import { errorMessage, fieldErrors } from '../../api/trpc';
import { checkForm } from '../../lib/zodForm';
import { CodeInput } from '../common/CodeInput';
import { SubmitForm } from '../common/ModalForm';

/**
 * The second sign-in step: a code from the operator's own authenticator,
 * checked with the shared OtpCode schema, then sent with the ticket.
 */
export function OperatorCodeStep({
  submitLabel,
  onSubmit,
  onRestart,
  autoFocus = true,
}: {
  submitLabel: string;
  onSubmit: (code: string) => Promise<unknown>;
  /** Shown when the ticket has expired: back to the password step. */
  onRestart: () => void;
  autoFocus?: boolean;
}) {
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [expired, setExpired] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    const checked = checkForm(OtpCode, code);
    if (!checked.ok) {
      setError(checked.errors._ ?? 'Enter the 6-digit code from your authenticator app');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSubmit(checked.data);
    } catch (err) {
      const message = fieldErrors(err).code ?? errorMessage(err);
      if (/expired|start again/i.test(message)) setExpired(message);
      else setError(message);
      setCode('');
    } finally {
      setBusy(false);
    }
  };

  if (expired) {
    return (
      <Stack gap="md">
        <Alert color="orange" variant="light" title="Start again" role="alert">
          {expired}
        </Alert>
        <Button onClick={onRestart}>Back to sign-in</Button>
      </Stack>
    );
  }

  return (
    <SubmitForm onSubmit={submit}>
      <CodeInput value={code} onChange={(e) => setCode(e.currentTarget.value)} error={error} autoFocus={autoFocus} />
      <Button type="submit" loading={busy} fullWidth>
        {submitLabel}
      </Button>
    </SubmitForm>
  );
}
