import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useLocation } from 'react-router';
import { useTRPC } from '../../api/trpc';
import { formatCountdown, sessionDeadline, warnBeforeMs } from '../../lib/idleDeadline';
import { lastServerContact, onServerContact } from '../../lib/sessionActivity';

/** Why the login page was reached (it says so): the idle timeout, or the 12-hour limit. */
export type SignedOutReason = 'idle' | 'expired';

/**
 * The warning before the idle sign-out (issue 18): "You will be signed out in 1:59" two minutes before the
 * server would end the session, with "Stay signed in" (auth.staySignedIn: the server's idle clock starts
 * again). At zero the console signs out for real (auth.logout) and the login page says why.
 */
export function IdleWarning() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const location = useLocation();
  const times = useQuery({ ...trpc.auth.session.queryOptions(), staleTime: Number.POSITIVE_INFINITY, retry: false });
  const [answer, setAnswer] = useState<{ times: NonNullable<typeof times.data>; at: number } | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const [contact, setContact] = useState(lastServerContact);
  const [ending, setEnding] = useState(false);
  /** The 12-hour end cannot be put off: its warning, once closed, stays closed until the sign-out. */
  const [absoluteSeen, setAbsoluteSeen] = useState(false);

  useEffect(() => {
    if (times.data) setAnswer({ times: times.data, at: times.dataUpdatedAt });
  }, [times.data, times.dataUpdatedAt]);
  useEffect(() => onServerContact(() => setContact(lastServerContact())), []);
  // Once a second: cheap (only this component renders), and a sleeping laptop catches up at its first tick.
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(t);
  }, []);

  const logout = useMutation(trpc.auth.logout.mutationOptions());
  /** Ends the session on the server (an already ended one answers 401: fine), then a full load of the login page. */
  const signOut = (reason: SignedOutReason | null) => {
    if (ending) return;
    setEnding(true);
    const next = `${location.pathname}${location.search}`;
    void logout
      .mutateAsync()
      .catch(() => undefined)
      .finally(() => {
        queryClient.clear();
        window.location.assign(reason ? `/login?reason=${reason}&next=${encodeURIComponent(next)}` : '/login');
      });
  };
  const stay = useMutation(
    trpc.auth.staySignedIn.mutationOptions({
      onSuccess: (fresh) => setAnswer({ times: fresh, at: Date.now() }),
      onError: () => signOut('idle'),
    }),
  );

  const deadline = answer ? sessionDeadline(answer.times, answer.at, contact) : null;
  const remaining = deadline ? deadline.at - now : Number.POSITIVE_INFINITY;
  const warn = deadline !== null && remaining <= warnBeforeMs(answer!.times.idleTimeoutMs);
  useEffect(() => {
    if (deadline && remaining <= 0) signOut(deadline.kind === 'absolute' ? 'expired' : 'idle');
  });

  const absolute = deadline?.kind === 'absolute';
  const stayOn = () => (absolute ? setAbsoluteSeen(true) : stay.mutate());
  return (
    <Modal
      opened={warn && !ending && !(absolute && absoluteSeen)}
      onClose={stayOn}
      title={absolute ? 'Your session is about to end' : 'Are you still there?'}
      centered
      closeOnClickOutside={false}
      data-testid="idle-warning"
    >
      <Stack gap="md">
        <Text>
          You will be signed out in{' '}
          <Text span fw={700} className="mono" data-testid="idle-countdown">
            {formatCountdown(remaining)}
          </Text>
          {absolute ? '. Sessions last 12 hours at most: sign in again to go on.' : ', because the console has not been used for a while.'}
        </Text>
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={() => signOut(null)}>
            Sign out now
          </Button>
          {!absolute && (
            <Button onClick={stayOn} loading={stay.isPending} data-autofocus>
              Stay signed in
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}
