import { Alert, Button, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { OperatorView } from '../../../../shared/schemas/operators';
import { errorMessage, useTRPCClient } from '../../api/trpc';
import { browserKeyMessage, getAssertion, keysUnavailableReason } from '../../lib/webauthn';

/**
 * The second sign-in step with a security key or passkey instead of the
 * code: the server's options for this operator's keys, the browser's key
 * dialog, then the assertion with the ticket from the password step.
 */
export function SecurityKeyStep({ ticket, onSignedIn, onRestart }: { ticket: string; onSignedIn: (operator: OperatorView) => void; onRestart: () => void }) {
  const client = useTRPCClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const unavailable = keysUnavailableReason();

  const signInWithKey = async () => {
    setBusy(true);
    setError(null);
    try {
      const options = await client.auth.webauthnOptions.mutate({ ticket });
      let response;
      try {
        response = await getAssertion(options);
      } catch (err) {
        setError(browserKeyMessage(err));
        return;
      }
      onSignedIn((await client.auth.completeWebauthnLogin.mutate({ ticket, response })).operator);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  if (unavailable) {
    return (
      <Text size="xs" c="dimmed" ta="center">
        {unavailable}
      </Text>
    );
  }
  const expired = error !== null && /expired|start again/i.test(error);
  return (
    <Stack gap="xs">
      <Button variant="light" onClick={() => void signInWithKey()} loading={busy} fullWidth>
        Use a security key instead
      </Button>
      {error && (
        <Alert color={expired ? 'orange' : 'red'} variant="light" role="alert">
          {error}
          {expired && (
            <Button variant="white" size="xs" mt="xs" onClick={onRestart}>
              Back to sign-in
            </Button>
          )}
        </Alert>
      )}
    </Stack>
  );
}
