import { Alert } from '@mantine/core';
import { useSearchParams } from 'react-router';

const WHY: Record<string, { title: string; text: string }> = {
  idle: { title: 'You were signed out', text: 'The console was not used for a while, so your session ended. Sign in again to go on.' },
  expired: { title: 'Your session ended', text: 'Sessions last 12 hours at most. Sign in again to go on.' },
};

/** On the login page after an automatic sign-out (`?reason=idle|expired`, set by IdleWarning): why it happened. */
export function SignedOutNotice() {
  const [params] = useSearchParams();
  const why = WHY[params.get('reason') ?? ''];
  if (!why) return null;
  return (
    <Alert color="blue" variant="light" title={why.title} role="status" data-testid="signed-out-notice">
      {why.text}
    </Alert>
  );
}
