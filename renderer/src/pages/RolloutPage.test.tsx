// @vitest-environment happy-dom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, test } from 'vitest';
import { MAX_SHEET_CSV_BYTES, type SheetPlan } from '../../../shared/schemas/sheets';
import { jsonResponse, useFakeTessera } from '../testing/fakeTessera';
import { renderConsole } from '../testing/render';
import { RolloutPage } from './RolloutPage';

const server = useFakeTessera();
const BATCH = 'POST /console/sheets/batch';
const JOB = '5f0c8a52-3b1e-4c7d-9a41-0d2b6e8f1a77';

const plan: SheetPlan = {
  sheets: [
    { username: 'ann', displayName: 'Ann Archer', replacesPending: false },
    { username: 'bob', displayName: null, replacesPending: true },
  ],
  skipped: [
    { username: 'carl', row: 3, reason: 'already has an active authenticator app' },
    { username: 'nobody', row: 4, reason: 'no such user' },
    { username: 'dora', row: 5, reason: 'already has an active authenticator app' },
  ],
  skippedTotal: 3,
  notIncluded: 0,
  ignoredColumns: ['email'],
};

/** The batch route as the server answers it: a plan for a dry run, a started job otherwise. */
function answerBatch(p: SheetPlan = plan) {
  server.route(BATCH, (body) =>
    (body as { dryRun: boolean }).dryRun
      ? jsonResponse(p)
      : jsonResponse({ jobId: JOB, batchId: 'b1', total: p.sheets.length, skippedTotal: p.skippedTotal, notIncluded: 0 }),
  );
}

/** jobs.get: running (page 1 of 2) at the first poll, then done. */
function answerJob() {
  let polls = 0;
  const base = { id: JOB, kind: 'sheets', done: 0, total: 2, startedAt: '2026-01-01T00:00:00.000Z' };
  server.trpc('jobs.get', () => {
    polls++;
    if (polls === 1) return { ...base, state: 'running', done: 1, message: 'Writing page 2', result: null, finishedAt: null };
    return {
      ...base,
      state: 'done',
      done: 2,
      message: null,
      finishedAt: '2026-01-01T00:00:05.000Z',
      result: {
        batchId: 'b1',
        issued: 2,
        skippedLate: [{ username: 'bob', row: null, reason: 'has too many factors' }],
        pages: 2,
        bytes: 2048,
        cancelled: false,
        paper: 'a4',
      },
    };
  });
}

const dryRun = () => fireEvent.click(screen.getByRole('button', { name: 'Dry run' }));

function chooseFile(file: File) {
  const input = document.querySelector<HTMLInputElement>('input[type="file"]');
  if (!input) throw new Error('no file input');
  fireEvent.change(input, { target: { files: [file] } });
}

beforeEach(() => window.localStorage.clear());

describe('RolloutPage', () => {
  test('without factor: the dry run shows who gets a sheet and who is skipped and why; Generate waits for it', async () => {
    answerBatch();
    renderConsole(<RolloutPage />, { path: '/rollout' });
    expect((screen.getByRole('button', { name: 'Generate sheets' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('radio', { name: 'A4' }));
    dryRun();

    const shown = await screen.findByTestId('rollout-plan');
    expect(server.mutations().map((c) => [c.name, c.input])).toEqual([
      [BATCH, { selection: { kind: 'withoutFactor' }, paper: 'a4', reissuePending: false, dryRun: true }],
    ]);
    expect(within(shown).getByText('2 sheets to print')).toBeTruthy();
    expect(within(shown).getByText('3 skipped')).toBeTruthy();
    expect(within(shown).getByText('1 replace an unscanned sheet')).toBeTruthy();
    // Why, most common reason first.
    expect(Array.from(screen.getByLabelText('Why users are skipped').children, (b) => b.textContent)).toEqual([
      'already has an active authenticator app: 2',
      'no such user: 1',
    ]);
    expect(screen.getByText('Ignored CSV columns: email')).toBeTruthy();

    const gets = screen.getByTestId('rollout-gets');
    expect(within(gets).getByText('ann')).toBeTruthy();
    expect(within(gets).getByText('Ann Archer')).toBeTruthy();
    expect(within(gets).getByText('replaces an unscanned sheet')).toBeTruthy();

    fireEvent.click(screen.getByRole('radio', { name: 'Skipped (3)' }));
    const skipped = screen.getByTestId('rollout-skipped');
    expect(within(skipped).getByText('nobody')).toBeTruthy();
    expect(within(skipped).getByText('no such user')).toBeTruthy();

    expect((screen.getByRole('button', { name: 'Generate 2 sheets' }) as HTMLButtonElement).disabled).toBe(false);
  });

  test('confirm, progress, done: the batch starts after the confirmation and ends with the download', async () => {
    answerBatch();
    answerJob();
    renderConsole(<RolloutPage />, { path: '/rollout' });
    fireEvent.click(screen.getByRole('radio', { name: 'A4' }));
    dryRun();
    fireEvent.click(await screen.findByRole('button', { name: 'Generate 2 sheets' }));

    // The confirmation says what happens and that one unscanned sheet stops working; nothing is sent yet.
    const dialog = await screen.findByRole('dialog', { name: 'Generate 2 sheets?' });
    expect(within(dialog).getByText('1 user has a sheet that has not been scanned yet: it stops working and this one replaces it.')).toBeTruthy();
    expect(server.inputsOf(BATCH)).toHaveLength(1);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Generate' }));

    await waitFor(() => expect(screen.getByTestId('rollout-progress').textContent).toBe('1 of 2 · Writing page 2'));
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeTruthy();
    expect(server.inputsOf(BATCH)[1]).toEqual({ selection: { kind: 'withoutFactor' }, paper: 'a4', reissuePending: false, dryRun: false });
    expect(server.inputsOf('jobs.get')[0]).toEqual({ id: JOB });

    expect(await screen.findByText('2 sheets ready', {}, { timeout: 3000 })).toBeTruthy();
    expect(screen.getByText('1 user skipped while generating')).toBeTruthy();
    expect(screen.getByText('bob (has too many factors)')).toBeTruthy();
    expect(screen.getByTestId('rollout-download').getAttribute('href')).toBe(`/console/jobs/${JOB}/sheets.pdf`);
    // The paper chosen is remembered for the next sheet (beside the console's own keys, e.g. its last server contact).
    expect(window.localStorage.getItem('tessera.sheetPaper')).toBe('a4');

    fireEvent.click(screen.getByRole('button', { name: 'New rollout' }));
    expect(screen.getByRole('button', { name: 'Dry run' })).toBeTruthy();
    expect(screen.queryByTestId('rollout-plan')).toBeNull();
  });

  test('several nodes: a batch finished on another node says, in words, which node holds the file instead of offering a download', async () => {
    answerBatch();
    const message = "This batch was made on node node-a; download it from that node's console (https://a.tessera.example)";
    // What a node that did not make the batch answers (from the job's row): done, no result, and where the file is.
    server.trpc('jobs.get', () => ({
      id: JOB,
      kind: 'sheets.batch',
      state: 'done',
      done: 2,
      total: 2,
      message: '2 sheets issued',
      result: null,
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:05.000Z',
      elsewhere: { node: 'node-a', url: 'https://a.tessera.example', message },
    }));
    renderConsole(<RolloutPage />, { path: '/rollout' });
    dryRun();
    fireEvent.click(await screen.findByRole('button', { name: 'Generate 2 sheets' }));
    fireEvent.click(within(await screen.findByRole('dialog', { name: 'Generate 2 sheets?' })).getByRole('button', { name: 'Generate' }));

    const shown = await screen.findByTestId('rollout-elsewhere');
    expect(shown.textContent).toContain('The sheets are ready on another node');
    expect(shown.textContent).toContain(message);
    expect(screen.queryByTestId('rollout-download')).toBeNull();
    expect(screen.getByRole('button', { name: 'New rollout' })).toBeTruthy();
  });

  test('cancel while generating: what was issued is said, and a reprint for those users is one click', async () => {
    answerBatch();
    let cancelled = false;
    const base = { id: JOB, kind: 'sheets', total: 2, startedAt: '2026-01-01T00:00:00.000Z' };
    server.trpc('jobs.get', () =>
      cancelled
        ? {
            ...base,
            state: 'cancelled',
            done: 1,
            message: null,
            finishedAt: '2026-01-01T00:00:02.000Z',
            result: { batchId: 'b1', issued: 1, skippedLate: [], pages: 0, bytes: 0, cancelled: true, paper: 'a4', issuedUsernames: ['ann'] },
          }
        : { ...base, state: 'running', done: 1, message: 'Writing page 2', result: null, finishedAt: null },
    );
    server.trpc('jobs.cancel', () => {
      cancelled = true;
      return { ok: true };
    });
    renderConsole(<RolloutPage />, { path: '/rollout' });
    dryRun();
    fireEvent.click(await screen.findByRole('button', { name: 'Generate 2 sheets' }));
    fireEvent.click(within(await screen.findByRole('dialog', { name: 'Generate 2 sheets?' })).getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(screen.getByTestId('rollout-progress').textContent).toBe('1 of 2 · Writing page 2'));

    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(await screen.findByText('Cancelled')).toBeTruthy();
    expect(server.inputsOf('jobs.cancel')).toEqual([{ id: JOB }]);
    expect(screen.getByText(/^1 sheet was issued before you cancelled\./)).toBeTruthy();
    expect(screen.queryByTestId('rollout-download')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Prepare a reprint for these 1 user' }));
    // Back at the start, with a one-column CSV of those users and their unscanned sheets replaced.
    expect(screen.getByText('1 users from the cancelled batch')).toBeTruthy();
    expect((screen.getByRole('radio', { name: 'Users from a CSV file' }) as HTMLInputElement).checked).toBe(true);
    expect((screen.getByRole('checkbox', { name: /^Also reprint/ }) as HTMLInputElement).checked).toBe(true);
    dryRun();
    await screen.findByTestId('rollout-plan');
    // Letter: the default for happy-dom's en-US navigator, as nothing was remembered in this test.
    expect(server.inputsOf(BATCH).at(-1)).toEqual({ selection: { kind: 'csv', csv: 'username\nann\n' }, paper: 'letter', reissuePending: true, dryRun: true });
  });

  test('a CSV: the chosen file is what the dry run sends, with "reprint unscanned" when ticked', async () => {
    answerBatch({ ...plan, skipped: [], skippedTotal: 0 });
    renderConsole(<RolloutPage />, { path: '/rollout' });
    fireEvent.click(screen.getByRole('radio', { name: 'Users from a CSV file' }));
    // Nothing chosen yet: nothing to check.
    expect((screen.getByRole('button', { name: 'Dry run' }) as HTMLButtonElement).disabled).toBe(true);
    chooseFile(new File(['username,email\nann,ann@example.com\nbob,bob@example.com\n'], 'wave-1.csv', { type: 'text/csv' }));
    expect(await screen.findByText('wave-1.csv')).toBeTruthy();
    fireEvent.click(screen.getByRole('checkbox', { name: /^Also reprint for users whose sheet has not been scanned yet/ }));
    fireEvent.click(screen.getByRole('radio', { name: 'US Letter' }));
    dryRun();
    await screen.findByTestId('rollout-plan');
    expect(server.inputsOf(BATCH)).toEqual([
      { selection: { kind: 'csv', csv: 'username,email\nann,ann@example.com\nbob,bob@example.com\n' }, paper: 'letter', reissuePending: true, dryRun: true },
    ]);
    expect(screen.getByRole('radio', { name: 'Skipped (0)' })).toBeTruthy();

    // Changing the form drops the plan: Generate needs a new dry run.
    fireEvent.click(screen.getByRole('checkbox', { name: /^Also reprint/ }));
    expect(screen.queryByTestId('rollout-plan')).toBeNull();
    expect((screen.getByRole('button', { name: 'Generate sheets' }) as HTMLButtonElement).disabled).toBe(true);
  });

  test('a directory group: typeahead from the server, the chosen group shows who has no factor, and the dry run sends exactly that group', async () => {
    answerBatch({ ...plan, skipped: [], skippedTotal: 0, ignoredColumns: [] });
    const groups = [
      { name: 'Staff', members: 40, withoutFactor: 31 },
      { name: 'VPN-Users', members: 14, withoutFactor: 12 },
    ];
    server.trpc('directory.groups', (input) => {
      const q = ((input as { query?: string }).query ?? '').toLowerCase();
      return groups.filter((g) => g.name.toLowerCase().includes(q));
    });
    renderConsole(<RolloutPage />, { path: '/rollout' });
    fireEvent.click(screen.getByRole('radio', { name: 'A directory group' }));
    // Nothing chosen yet: nothing to check.
    expect((screen.getByRole('button', { name: 'Dry run' }) as HTMLButtonElement).disabled).toBe(true);
    const box = screen.getAllByLabelText(/^Directory group/)[0]!;

    // Typed into, as a user does: Mantine treats a change to an unfocused input as an autofill.
    (box as HTMLInputElement).focus();
    fireEvent.click(box);
    fireEvent.change(box, { target: { value: 'vpn' } });
    // The server searched (debounced): only its answer is offered, each with its count.
    await waitFor(() => expect(server.inputsOf('directory.groups')).toContainEqual({ query: 'vpn' }));
    const option = await screen.findByRole('option', { name: /VPN-Users/ });
    await waitFor(() => expect(screen.queryByRole('option', { name: /Staff/ })).toBeNull());
    expect(option.textContent).toContain('12 without a factor');
    fireEvent.click(option);

    expect((await screen.findByTestId('rollout-group-count')).textContent).toBe(
      '12 users in VPN-Users have no active factor (of 14 enabled members): the dry run plans a sheet for each.',
    );
    dryRun();
    await screen.findByTestId('rollout-plan');
    expect(server.inputsOf(BATCH)).toEqual([{ selection: { kind: 'group', group: 'VPN-Users' }, paper: 'letter', reissuePending: false, dryRun: true }]);
  });

  test('no directory groups yet: the page says where they come from, and there is nothing to dry-run', async () => {
    server.trpc('directory.groups', () => []);
    renderConsole(<RolloutPage />, { path: '/rollout' });
    fireEvent.click(screen.getByRole('radio', { name: 'A directory group' }));
    expect(await screen.findByText(/No directory groups yet: set up the directory and run a sync/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Directory' }).getAttribute('href')).toBe('/directory');
    expect((screen.getByRole('button', { name: 'Dry run' }) as HTMLButtonElement).disabled).toBe(true);
    expect(server.mutations()).toEqual([]);
  });

  test('a CSV over the limit is refused in the page and nothing is sent', async () => {
    renderConsole(<RolloutPage />, { path: '/rollout' });
    fireEvent.click(screen.getByRole('radio', { name: 'Users from a CSV file' }));
    chooseFile(new File(['x'.repeat(MAX_SHEET_CSV_BYTES + 1)], 'everyone.csv', { type: 'text/csv' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('everyone.csv is 2.0 MB; a rollout CSV may be 2 MB at most.');
    expect((screen.getByRole('button', { name: 'Dry run' }) as HTMLButtonElement).disabled).toBe(true);
    expect(server.calls).toEqual([]);
  });

  test('a dry run the server refuses shows its message', async () => {
    server.route(BATCH, () => jsonResponse({ error: { code: 'bad_request', message: 'The CSV has no username column' } }, 400));
    renderConsole(<RolloutPage />, { path: '/rollout' });
    dryRun();
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The CSV has no username column');
    expect(screen.queryByTestId('rollout-plan')).toBeNull();
  });
});
