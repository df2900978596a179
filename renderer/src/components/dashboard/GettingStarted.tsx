import { Button, CloseButton, Group, Paper, Progress, Stack, Text, ThemeIcon, Title, VisuallyHidden } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import type { GettingStartedStep } from '../../../../shared/schemas/gettingStarted';
import { useTRPC } from '../../api/trpc';
import { useCan, useOperator } from '../../lib/session';
import { icon } from '../common/icons';
import './dashboard.css';

const IconCheck = icon(<path d="m5 12.5 4.5 4.5L19 7.5" />);

/** Each step in words, and where it is done. */
const STEPS: Record<GettingStartedStep, { title: string; text: string; links: { to: string; label: string }[] }> = {
  issuer: {
    title: 'Name the issuer',
    text: 'The name users see beside their account in the authenticator app, such as your company’s.',
    links: [{ to: '/settings', label: 'Open settings' }],
  },
  methods: {
    title: 'Choose the methods',
    text: 'Which ways of proving it is them users may have: authenticator apps, security keys, recovery codes, email or SMS codes.',
    links: [{ to: '/settings', label: 'Choose methods' }],
  },
  users: {
    title: 'Add a first user',
    text: 'Someone who will sign in with a second factor. Try it on yourself first.',
    links: [{ to: '/users', label: 'Add a user' }],
  },
  bulkUsers: {
    title: 'Bring in everyone else',
    text: 'Connect your directory (LDAP or Active Directory) to keep users in step, or import them from a CSV file.',
    links: [
      { to: '/directory', label: 'Connect a directory' },
      { to: '/users', label: 'Import a CSV' },
    ],
  },
  apiClient: {
    title: 'Create an API client',
    text: 'The key your application (VPN, web sign-in, RADIUS front end) uses to ask Tessera whether a code is right.',
    links: [{ to: '/api-clients', label: 'Create an API client' }],
  },
  firstVerify: {
    title: 'Verify a first code',
    text: 'Your application sends a user’s code to POST /api/v1/verify; the first accepted one ticks this.',
    links: [{ to: '/audit?action=verify', label: 'See verifies in the audit log' }],
  },
};

const dismissKey = (operatorId: string) => `tessera-getting-started-hidden:${operatorId}`;

function readDismissed(operatorId: string): boolean {
  try {
    return window.localStorage.getItem(dismissKey(operatorId)) === '1';
  } catch {
    return false;
  }
}

/**
 * The dashboard's getting-started checklist (issue 18): a new install's steps, each ticked from the data
 * (dashboard.gettingStarted) and linking to where it is done. Administrators get the links; auditors see
 * how far setup is. Hidden once every step is done, or when the operator hides it (remembered in this browser).
 */
export function GettingStarted() {
  const trpc = useTRPC();
  const operator = useOperator();
  const canAdmin = useCan('admin');
  const [dismissed, setDismissed] = useState(() => readDismissed(operator.id));
  const q = useQuery({ ...trpc.dashboard.gettingStarted.queryOptions(), enabled: !dismissed });
  if (dismissed || !q.data || q.data.complete) return null;

  const done = q.data.steps.filter((s) => s.done).length;
  const total = q.data.steps.length;
  const nextStep = q.data.steps.find((s) => !s.done)?.step;
  const hide = () => {
    try {
      window.localStorage.setItem(dismissKey(operator.id), '1');
    } catch {
      // storage refused: hidden until the page is loaded again
    }
    setDismissed(true);
  };

  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="getting-started-title" data-testid="getting-started">
      <Group justify="space-between" align="flex-start" wrap="nowrap" mb="xs">
        <Stack gap={2}>
          <Title order={2} size="h4" id="getting-started-title">
            Getting started
          </Title>
          <Text size="sm" c="dimmed">
            {canAdmin
              ? `${done} of ${total} done. Each step links to where it is done; ticks follow what Tessera holds.`
              : `${done} of ${total} done. An administrator does these steps; ticks follow what Tessera holds.`}
          </Text>
        </Stack>
        <CloseButton aria-label="Hide the getting-started checklist" title="Hide this checklist" onClick={hide} />
      </Group>
      <Progress value={(done / total) * 100} size="sm" mb="md" aria-label={`Getting started: ${done} of ${total} steps done`} />
      <ol className="getting-started-steps">
        {q.data.steps.map(({ step, done: isDone }) => {
          const s = STEPS[step];
          return (
            <li key={step} className="getting-started-step" data-done={isDone || undefined} data-testid={`step-${step}`}>
              <ThemeIcon
                variant={isDone ? 'filled' : 'default'}
                color={isDone ? 'teal' : 'gray'}
                radius="xl"
                size={26}
                aria-hidden="true"
                className="getting-started-tick"
              >
                {isDone ? <IconCheck size={16} /> : null}
              </ThemeIcon>
              <div className="getting-started-body">
                <Text fw={600} size="sm" td={isDone ? 'line-through' : undefined} c={isDone ? 'dimmed' : undefined}>
                  {s.title}
                  <VisuallyHidden>{isDone ? ' (done)' : ' (to do)'}</VisuallyHidden>
                </Text>
                {!isDone && (
                  <Text size="sm" c="dimmed">
                    {s.text}
                  </Text>
                )}
              </div>
              {canAdmin && !isDone && (
                <Group gap="xs" className="getting-started-links">
                  {s.links.map((l) => (
                    <Button key={l.label} component={Link} to={l.to} size="xs" variant={step === nextStep ? 'filled' : 'default'}>
                      {l.label}
                    </Button>
                  ))}
                </Group>
              )}
            </li>
          );
        })}
      </ol>
    </Paper>
  );
}
