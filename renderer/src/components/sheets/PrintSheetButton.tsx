import { Alert, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { PAPER_LABELS, type Paper } from '../../../../shared/schemas/sheets';
import { issueUserSheet, type IssuedSheet } from '../../api/sheetsHttp';
import { errorMessage, useTRPC } from '../../api/trpc';
import { formatDateTime } from '../../lib/format';
import { canPrintPdfHere, printPdf, releasePrintFrame } from '../../lib/printPdf';
import { saveBlob } from '../../lib/saveBlob';
import { useCan } from '../../lib/session';
import { IconPrinter } from './sheetIcons';
import './sheets.css';
import { SegmentedField } from '../common/SegmentedField';

const PAPER_KEY = 'tessera.sheetPaper';

/** Letter where it is the norm (North and Central America, the Philippines…), A4 elsewhere; the last choice wins. */
export function defaultPaper(): Paper {
  try {
    const saved = window.localStorage.getItem(PAPER_KEY);
    if (saved === 'a4' || saved === 'letter') return saved;
  } catch {
    // storage blocked: fall through to the locale
  }
  return /-(US|CA|MX|PH|CL|CO|VE|GT|CR|PA|DO|PR|SV|NI)\b/i.test(navigator.language) ? 'letter' : 'a4';
}

export function rememberPaper(paper: Paper): void {
  try {
    window.localStorage.setItem(PAPER_KEY, paper);
  } catch {
    // not remembered: no harm
  }
}

export function PaperPicker({ value, onChange }: { value: Paper; onChange: (p: Paper) => void }) {
  return (
    <SegmentedField
      id="sheet-paper-label"
      label="Paper"
      value={value}
      onChange={onChange}
      data={(['a4', 'letter'] as const).map((p) => ({ value: p, label: PAPER_LABELS[p] }))}
    />
  );
}

type Stage = { kind: 'confirm' } | { kind: 'issuing' } | { kind: 'issued'; sheet: IssuedSheet; printing: boolean; printError: string | null };

/**
 * The dialog behind "Print enrollment sheet": says that printing issues a
 * new secret (an unscanned sheet stops working), asks for the paper, issues
 * the sheet and prints it — the browser's print dialog, or in the desktop
 * app the save dialog (its window has no PDF viewer). The PDF lives only in
 * this dialog: closing it discards the sheet's secret.
 */
export function PrintSheetModal({
  opened,
  onClose,
  username,
  displayName,
}: {
  opened: boolean;
  onClose: () => void;
  username: string;
  displayName?: string | null;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [stage, setStage] = useState<Stage>({ kind: 'confirm' });
  const [paper, setPaper] = useState<Paper>(defaultPaper);
  const [error, setError] = useState<string | null>(null);
  const inBrowser = canPrintPdfHere();
  const name = displayName || username;

  useEffect(() => {
    if (opened) {
      setStage({ kind: 'confirm' });
      setError(null);
    }
  }, [opened]);

  const print = async (sheet: IssuedSheet) => {
    setStage({ kind: 'issued', sheet, printing: true, printError: null });
    try {
      if (inBrowser) await printPdf(sheet.pdf);
      else saveBlob(sheet.pdf, sheet.fileName);
      setStage({ kind: 'issued', sheet, printing: false, printError: null });
    } catch (err) {
      setStage({ kind: 'issued', sheet, printing: false, printError: errorMessage(err) });
    }
  };

  const issue = async () => {
    setError(null);
    setStage({ kind: 'issuing' });
    rememberPaper(paper);
    try {
      const sheet = await issueUserSheet(username, paper);
      void queryClient.invalidateQueries(trpc.users.get.pathFilter());
      void queryClient.invalidateQueries(trpc.audit.forUser.pathFilter());
      await print(sheet);
    } catch (err) {
      setError(errorMessage(err));
      setStage({ kind: 'confirm' });
    }
  };

  const close = () => {
    releasePrintFrame();
    setStage({ kind: 'confirm' });
    onClose();
  };

  let body: React.ReactNode;
  if (stage.kind === 'issued') {
    const { sheet } = stage;
    body = (
      <Stack gap="md" data-testid="sheet-issued">
        <Alert color="teal" variant="light" title="Sheet issued">
          <Stack gap={6}>
            <Text size="sm">
              {inBrowser
                ? 'The print dialog opens with the sheet. Hand it to the user in person or in a sealed envelope.'
                : 'Save the PDF, then open and print it. Hand the sheet to the user in person or in a sealed envelope, and delete the file.'}
            </Text>
            {sheet.expiresAt && (
              <Text size="sm">
                It works until <b>{formatDateTime(sheet.expiresAt)}</b>: {name} finishes by signing in with the first code from the app.
              </Text>
            )}
            <Text size="xs" c="dimmed">
              Sheet ref. {sheet.factorId.slice(0, 8)} · recorded in the audit log
            </Text>
          </Stack>
        </Alert>
        {stage.printError && (
          <Alert color="red" variant="light" role="alert">
            {stage.printError}
          </Alert>
        )}
        <Text size="xs" c="dimmed">
          Closing this window discards the PDF. Printing again later issues another new sheet, and this one stops working.
        </Text>
        <Group justify="flex-end" gap="sm">
          {inBrowser && (
            <Button variant="default" onClick={() => void print(sheet)} loading={stage.printing}>
              Print again
            </Button>
          )}
          <Button variant="default" onClick={() => saveBlob(sheet.pdf, sheet.fileName)}>
            {inBrowser ? 'Download PDF' : 'Save PDF again'}
          </Button>
          <Button onClick={close}>Done</Button>
        </Group>
      </Stack>
    );
  } else {
    body = (
      <Stack gap="md">
        <Text size="sm">
          A one-page sheet with a QR code for <b>{name}</b> to set up an authenticator app, the key for typing in by hand, instructions and a receipt to sign.
        </Text>
        <Alert color="yellow" variant="light" title="Printing issues a new secret">
          Any sheet or enrollment of {name}&apos;s that has not been scanned yet stops working and is replaced by this one. An authenticator app that is already
          set up keeps working. The sheet is recorded in the audit log.
        </Alert>
        <PaperPicker value={paper} onChange={setPaper} />
        {error && (
          <Alert color="red" variant="light" role="alert">
            {error}
          </Alert>
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={close} disabled={stage.kind === 'issuing'}>
            Cancel
          </Button>
          <Button onClick={() => void issue()} loading={stage.kind === 'issuing'} leftSection={<IconPrinter size={16} />}>
            {inBrowser ? 'Issue new secret and print' : 'Issue new secret and save PDF'}
          </Button>
        </Group>
      </Stack>
    );
  }

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={<Text fw={600}>Print an enrollment sheet</Text>}
      centered
      size="md"
      closeOnClickOutside={stage.kind !== 'issuing'}
    >
      {body}
    </Modal>
  );
}

/** "Print enrollment sheet" for a user: helpdesk and admins (reprinting is a helpdesk action); hidden from other roles. */
export function PrintSheetButton({
  username,
  displayName,
  size = 'sm',
  variant = 'light',
}: {
  username: string;
  displayName?: string | null;
  size?: 'xs' | 'sm' | 'md';
  variant?: 'light' | 'default' | 'filled' | 'subtle';
}) {
  const allowed = useCan('helpdesk');
  const [opened, setOpened] = useState(false);
  if (!allowed) return null;
  return (
    <>
      <Button size={size} variant={variant} leftSection={<IconPrinter size={16} />} onClick={() => setOpened(true)}>
        Print enrollment sheet
      </Button>
      <PrintSheetModal opened={opened} onClose={() => setOpened(false)} username={username} displayName={displayName ?? null} />
    </>
  );
}
