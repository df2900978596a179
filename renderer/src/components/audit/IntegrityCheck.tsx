import { Alert, Button, CloseButton, Group, Loader, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import type { AuditVerifyResult } from '../../../../shared/schemas/audit';
import { errorMessage, useTRPC } from '../../api/trpc';
import { IconShield } from '../common/icons';

/** What each problem the check can find means, in words. */
export const INTEGRITY_PROBLEMS: Record<string, string> = {
  hash_mismatch: 'Its hash does not match its content and the entry before it: an entry was edited, inserted or removed here.',
  seq_gap: 'An entry is missing: the sequence skips it.',
  seq_order: 'Entries are out of order or repeated.',
  truncated: 'Entries are missing before the last signed point: the log was cut short.',
  checkpoint_mismatch: 'A signed checkpoint does not match the entry it covers.',
  bad_signature: 'A signature does not verify under Tessera’s signing key.',
  missing_head: 'The signed head of the log is missing.',
  unsigned_tail: 'Entries after the last signed head are not covered by a signature.',
};

/**
 * "Check integrity": recomputes the whole hash chain and checks every signed
 * checkpoint on the server, then says plainly whether the log is intact or
 * where it first goes wrong.
 */
export function useIntegrityCheck() {
  const trpc = useTRPC();
  return useMutation(trpc.audit.verify.mutationOptions());
}

export function IntegrityButton({ check }: { check: ReturnType<typeof useIntegrityCheck> }) {
  return (
    <Button variant="default" leftSection={<IconShield size={16} />} onClick={() => check.mutate()} loading={check.isPending}>
      Check integrity
    </Button>
  );
}

export function IntegrityResult({ check }: { check: ReturnType<typeof useIntegrityCheck> }) {
  if (check.isPending) {
    return (
      <Alert color="blue" variant="light" role="status">
        <Group gap="sm">
          <Loader size="sm" />
          <Text size="sm">Recomputing the hash chain from the first entry and checking the signatures…</Text>
        </Group>
      </Alert>
    );
  }
  if (check.isError) {
    return (
      <Alert color="red" variant="light" title="The integrity check could not run" role="alert" withCloseButton onClose={() => check.reset()}>
        {errorMessage(check.error)}
      </Alert>
    );
  }
  if (!check.data) return null;
  const r: AuditVerifyResult = check.data;
  const dismiss = <CloseButton aria-label="Dismiss the result" onClick={() => check.reset()} />;
  if (r.ok) {
    return (
      <Alert color="green" variant="light" role="status" data-testid="integrity-result" icon={<IconShield />}>
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <Stack gap={4}>
            <Text fw={700}>Integrity check passed: the audit log is intact</Text>
            <Text size="sm">
              All {r.entries.toLocaleString('en')} entries recomputed from the first; the hash chain, {r.checkpoints.toLocaleString('en')} signed{' '}
              {r.checkpoints === 1 ? 'checkpoint' : 'checkpoints'} and the signed head all match.
            </Text>
            <Text size="xs" c="dimmed">
              Head hash <span className="mono audit-hash">{r.head}</span>
            </Text>
          </Stack>
          {dismiss}
        </Group>
      </Alert>
    );
  }
  return (
    <Alert color="red" variant="filled" role="alert" data-testid="integrity-result">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Stack gap={4}>
          <Text fw={700}>Integrity check FAILED at entry #{r.firstBadSeq.toLocaleString('en')}</Text>
          <Text size="sm">{INTEGRITY_PROBLEMS[r.problem] ?? r.problem}</Text>
          <Text size="sm">
            The log was changed outside Tessera. Keep a copy of the database and of the latest exported bundle for the investigation.
          </Text>
        </Stack>
        <CloseButton aria-label="Dismiss the result" onClick={() => check.reset()} variant="transparent" c="white" />
      </Group>
    </Alert>
  );
}
