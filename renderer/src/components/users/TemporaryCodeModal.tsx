import { Alert, Button, CopyButton, Group, Modal, NumberInput, Paper, Stack, Text, Textarea } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import { IssueTemporaryCodeInput, type IssuedTemporaryCode } from '../../../../shared/schemas/temporaryCodes';
import { useTRPC } from '../../api/trpc';
import { printPage } from '../../lib/desktop';
import { formatDateTime } from '../../lib/format';
import { checkForm } from '../../lib/zodForm';
import { ModalForm } from '../common/ModalForm';
import { useRefreshUser } from './ConfirmFactorModal';
import { refusalOf } from './deliveryRefusal';
import { useEnrollOptions } from './useEnrollOptions';
import '../common/common.css';
import './users.css';

const DEFAULT_HOURS = 8;
/** The schema's own ceiling, when this operator cannot read the setting (the server still holds its own). */
const SCHEMA_MAX_HOURS = 168;

interface Values {
  reason: string;
  hours: number | string;
  uses: number | string;
}

/** The issue form checked as the server will, with the life capped by settings.temporaryCodeMaxHours when known. */
export function checkTemporaryCode(v: Values, maxHours: number | null) {
  const checked = checkForm(IssueTemporaryCodeInput, { reason: v.reason, hours: Number(v.hours), uses: Number(v.uses) });
  const errors: Record<string, string> = checked.ok ? {} : { ...checked.errors };
  if (v.reason.trim() === '') errors.reason = 'Give a reason: it is kept in the audit log';
  if (v.hours === '') errors.hours = 'Enter how many hours it works';
  else if (maxHours !== null && Number(v.hours) > maxHours && !errors.hours)
    errors.hours = `A temporary code may live at most ${maxHours} hours (Settings → Methods)`;
  if (v.uses === '') errors.uses = 'Enter how many times it works';
  if (Object.keys(errors).length > 0 || !checked.ok) return { ok: false as const, errors };
  return { ok: true as const, data: checked.data };
}

/**
 * Lost device: a temporary code for the user to sign in with until they
 * have a new factor. Asks for a reason, its life and its uses; the code is
 * then shown once (large, grouped, copy and print a card with only the
 * code), and is gone from the page when the dialog closes.
 */
export function TemporaryCodeModal({
  username,
  displayName,
  opened,
  onClose,
}: {
  username: string;
  displayName: string | null;
  opened: boolean;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const refresh = useRefreshUser(username);
  const { temporaryCodeMaxHours: maxHours } = useEnrollOptions();
  const [values, setValues] = useState<Values>({ reason: '', hours: DEFAULT_HOURS, uses: 1 });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [issued, setIssued] = useState<IssuedTemporaryCode | null>(null);
  const issue = useMutation(trpc.users.issueTemporaryCode.mutationOptions());

  useEffect(() => {
    if (opened) {
      setValues({ reason: '', hours: Math.min(DEFAULT_HOURS, maxHours ?? DEFAULT_HOURS), uses: 1 });
      setErrors({});
      setFailure(null);
      setIssued(null);
      issue.reset();
    }
  }, [opened]);

  // The code lives in this state only: closing drops it (and the print card with it), so no secret stays in the DOM.
  const close = () => {
    setIssued(null);
    issue.reset();
    onClose();
  };

  const submit = async () => {
    const checked = checkTemporaryCode(values, maxHours);
    setErrors(checked.ok ? {} : checked.errors);
    if (!checked.ok) return;
    setFailure(null);
    try {
      const code = await issue.mutateAsync({ username, code: checked.data });
      issue.reset(); // the mutation's cache keeps no copy of the code
      setIssued(code);
      void refresh();
    } catch (err) {
      const r = refusalOf(err);
      if (Object.keys(r.fields).length > 0) setErrors(r.fields);
      else setFailure(r.message);
    }
  };

  const who = displayName ? `${displayName} (${username})` : username;
  const usesText = issued ? (issued.uses === 1 ? 'Works once' : `Works ${issued.uses} times`) : '';

  return (
    <>
      <Modal
        opened={opened}
        onClose={close}
        title={<Text fw={600}>{issued ? `Temporary code for ${username}` : `Issue a temporary code for ${username}`}</Text>}
        centered
        size="md"
        closeOnClickOutside={!issued}
        closeOnEscape={!issued}
      >
        {issued ? (
          <Stack gap="md">
            <Alert color="orange" variant="light" title="This code will not be shown again">
              <Text size="sm">Read it out to {username} or print it now. It stops working when the user confirms a new factor.</Text>
            </Alert>
            <Paper withBorder p="md" radius="md" bg="var(--tessera-hover)" ta="center">
              <div className="temporary-code" data-testid="temporary-code" aria-label="Temporary code">
                {issued.code}
              </div>
              <Text size="sm" c="dimmed" mt={6}>
                {usesText} · expires {formatDateTime(issued.expiresAt)}
              </Text>
            </Paper>
            <Group gap="sm">
              <CopyButton value={issued.code}>
                {({ copied, copy }) => (
                  <Button variant="light" onClick={copy} color={copied ? 'teal' : undefined}>
                    {copied ? 'Copied' : 'Copy'}
                  </Button>
                )}
              </CopyButton>
              <Button variant="light" onClick={() => void printPage()}>
                Print
              </Button>
            </Group>
            <Group justify="flex-end">
              <Button onClick={close}>Done</Button>
            </Group>
          </Stack>
        ) : (
          <ModalForm onSubmit={submit} error={failure} onCancel={close} actionLabel="Issue code" busy={issue.isPending}>
            <Text size="sm">
              For a user who lost their device: a 12-digit code they sign in with instead, until they confirm a new factor. A new code replaces any earlier one.
            </Text>
            <Textarea
              label="Reason"
              description="Kept in the audit log with your name."
              placeholder="e.g. ticket #4711: phone lost, identity checked by call-back"
              autosize
              minRows={2}
              maxRows={5}
              value={values.reason}
              onChange={(e) => {
                const reason = e.currentTarget.value;
                setValues((v) => ({ ...v, reason }));
                setErrors(({ reason: _gone, ...rest }) => rest);
              }}
              error={errors.reason}
              withAsterisk
              data-autofocus
            />
            <Group grow align="flex-end">
              <NumberInput
                label="Works for (hours)"
                description={maxHours !== null ? `At most ${maxHours}` : 'Up to the set limit'}
                min={1}
                max={maxHours ?? SCHEMA_MAX_HOURS}
                allowDecimal={false}
                allowNegative={false}
                clampBehavior="none"
                value={values.hours}
                onChange={(hours) => {
                  setValues((v) => ({ ...v, hours }));
                  setErrors(({ hours: _gone, ...rest }) => rest);
                }}
                error={errors.hours}
              />
              <NumberInput
                label="Uses"
                description="Sign-ins it allows"
                min={1}
                max={20}
                allowDecimal={false}
                allowNegative={false}
                clampBehavior="none"
                value={values.uses}
                onChange={(uses) => {
                  setValues((v) => ({ ...v, uses }));
                  setErrors(({ uses: _gone, ...rest }) => rest);
                }}
                error={errors.uses}
              />
            </Group>
          </ModalForm>
        )}
      </Modal>
      {issued &&
        createPortal(
          <div className="print-only temporary-print" data-testid="temporary-print-card">
            <h1>Temporary sign-in code</h1>
            <p>
              For <b>{who}</b>
            </p>
            <p className="temporary-print-code">{issued.code}</p>
            <p>
              Expires {formatDateTime(issued.expiresAt)} · {usesText.toLowerCase()}
            </p>
            <p>Type this code where you are asked for your one-time code. It stops working once you have set up your new device.</p>
          </div>,
          document.body,
        )}
    </>
  );
}
