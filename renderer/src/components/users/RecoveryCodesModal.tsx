import { Alert, Button, Checkbox, CopyButton, Group, Modal, Paper, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import { formatDateTime } from '../../lib/format';
import { printPage } from '../../lib/desktop';
import '../common/common.css';

/**
 * A new set of recovery codes, shown once: copy, print (a print-only sheet,
 * nothing else of the console on paper), and an explicit acknowledgement.
 */
export function RecoveryCodesModal({ username, codes, onClose }: { username: string; codes: string[] | null; onClose: () => void }) {
  const [saved, setSaved] = useState(false);
  const [issuedAt] = useState(() => new Date().toISOString());
  useEffect(() => setSaved(false), [codes]);
  const text = codes ? `Tessera recovery codes for ${username}\n\n${codes.join('\n')}\n\nEach code works once.` : '';

  return (
    <>
      <Modal
        opened={codes !== null}
        onClose={onClose}
        title={<Text fw={600}>Recovery codes for {username}</Text>}
        size="lg"
        centered
        closeOnClickOutside={false}
        closeOnEscape={false}
        withCloseButton={false}
      >
        {codes && (
          <Stack gap="md">
            <Alert color="orange" variant="light" title="These codes will not be shown again">
              <Text size="sm">
                Give them to {username} now: print them or copy them somewhere safe. Each code works once; the previous set no longer works.
              </Text>
            </Alert>
            <Paper withBorder p="md" radius="md" bg="var(--tessera-hover)">
              <div className="codes-grid" data-testid="recovery-codes" aria-label="Recovery codes">
                {codes.map((c) => (
                  <span key={c}>{c}</span>
                ))}
              </div>
            </Paper>
            <Group gap="sm">
              <CopyButton value={text}>
                {({ copied, copy }) => (
                  <Button variant="light" onClick={copy} color={copied ? 'teal' : undefined}>
                    {copied ? 'Copied' : 'Copy all'}
                  </Button>
                )}
              </CopyButton>
              <Button variant="light" onClick={() => void printPage()}>
                Print
              </Button>
            </Group>
            <Checkbox label="I have given these codes to the user or stored them safely" checked={saved} onChange={(e) => setSaved(e.currentTarget.checked)} />
            <Group justify="flex-end">
              <Button onClick={onClose} disabled={!saved}>
                Done
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
      {codes &&
        createPortal(
          <div className="print-only" data-testid="recovery-print-sheet">
            <h1>Recovery codes</h1>
            <p>
              User: <b>{username}</b> · issued {formatDateTime(issuedAt)}
            </p>
            <div className="codes">
              {codes.map((c) => (
                <span key={c}>{c}</span>
              ))}
            </div>
            <p>Use one of these codes when you cannot use your authenticator. Each code works once. Keep this sheet somewhere safe.</p>
          </div>,
          document.body,
        )}
    </>
  );
}
