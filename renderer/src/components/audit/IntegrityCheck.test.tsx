// @vitest-environment happy-dom
import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole } from '../../testing/render';
import { IntegrityButton, IntegrityResult, useIntegrityCheck } from './IntegrityCheck';

const server = useFakeTessera();
const JOB = '0b6f3c1e-8d2a-4f5b-9c7e-1a2b3c4d5e6f';
const job = { id: JOB, kind: 'audit.verify', done: 0, total: 17, message: null, startedAt: '2026-01-01T00:00:00.000Z' };

function Check() {
  const check = useIntegrityCheck();
  return (
    <>
      <IntegrityButton check={check} />
      <IntegrityResult check={check} />
    </>
  );
}

function start() {
  server.trpc('audit.verify', () => ({ ...job, state: 'running', result: null, finishedAt: null, elsewhere: null }));
  renderConsole(<Check />, { path: '/audit' });
  fireEvent.click(screen.getByRole('button', { name: 'Check integrity' }));
}

describe('the integrity check', () => {
  test('polled on the node that ran it: the result', async () => {
    server.trpc('jobs.get', () => ({
      ...job,
      state: 'done',
      done: 17,
      finishedAt: '2026-01-01T00:00:01.000Z',
      elsewhere: null,
      result: { ok: true, entries: 17, checkpoints: 1, head: 'ab'.repeat(32) },
    }));
    start();
    expect((await screen.findByTestId('integrity-result')).textContent).toContain('Integrity check passed: the audit log is intact');
  });

  test('polled on another node (several nodes behind a balancer): says which node has the result, instead of showing nothing', async () => {
    const message = "This job ran on node node-a; its result is in that node's console (http://10.0.0.1:8787)";
    server.trpc('jobs.get', () => ({
      ...job,
      state: 'done',
      done: 17,
      finishedAt: '2026-01-01T00:00:01.000Z',
      result: null,
      elsewhere: { node: 'node-a', url: 'http://10.0.0.1:8787', message },
    }));
    start();
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The integrity check could not run');
    expect(alert.textContent).toContain(message);
    expect(screen.queryByTestId('integrity-result')).toBeNull();
  });
});
