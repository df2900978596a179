// @vitest-environment happy-dom
import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../../../../shared/schemas/settings';
import { useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole, TEST_ADMIN } from '../../testing/render';
import { MethodPoliciesCard } from './MethodPoliciesCard';

const server = useFakeTessera();

const save = () => fireEvent.click(screen.getByRole('button', { name: 'Save names and removal' }));

describe('MethodPoliciesCard', () => {
  test('one field per method, the built-in name as placeholder; a stored name fills its field', () => {
    renderConsole(<MethodPoliciesCard settings={{ ...DEFAULT_SETTINGS, methodNames: { totp: 'Phone app' } }} />);
    const recovery = screen.getByLabelText('Recovery codes') as HTMLInputElement;
    expect([recovery.value, recovery.placeholder]).toEqual(['', 'Recovery codes']);
    expect((screen.getByLabelText('Authenticator app (TOTP)') as HTMLInputElement).value).toBe('Phone app');
    expect(screen.getAllByRole('textbox')).toHaveLength(6);
  });

  test('a name and an operators-only method are sent whole; an emptied name goes back to the built-in one', async () => {
    server.trpc('settings.update', (patch) => ({ ...DEFAULT_SETTINGS, ...(patch as Partial<Settings>) }));
    server.trpc('settings.get', () => DEFAULT_SETTINGS);
    renderConsole(<MethodPoliciesCard settings={{ ...DEFAULT_SETTINGS, methodNames: { hotp: 'Old token' } }} />);
    fireEvent.change(screen.getByLabelText('Recovery codes'), { target: { value: '  Backup codes ' } });
    fireEvent.change(screen.getByLabelText('Counter-based token (HOTP)'), { target: { value: '' } });
    const totp = screen.getByRole('switch', { name: 'Applications may remove TOTP factors' });
    fireEvent.click(totp);
    expect(screen.getByText('Only operators can remove its factors.')).toBeTruthy();
    save();
    expect(await screen.findByText('Method names and removal saved')).toBeTruthy();
    expect(server.mutations().map((c) => [c.name, c.input])).toEqual([
      ['settings.update', { methodNames: { recovery: 'Backup codes' }, appsMayRemove: { totp: false } }],
    ]);
  });

  test('a name too long says so on its own field, and nothing is sent', async () => {
    renderConsole(<MethodPoliciesCard settings={DEFAULT_SETTINGS} />);
    fireEvent.change(screen.getByLabelText('Email code'), { target: { value: 'x'.repeat(49) } });
    save();
    expect(await screen.findByText('Method name must be at most 48 characters')).toBeTruthy();
    expect(screen.getByLabelText('Email code').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Recovery codes').getAttribute('aria-invalid')).not.toBe('true');
    expect(server.mutations()).toEqual([]);
  });

  test('an auditor reads the names and who may remove, and has no Save button', () => {
    renderConsole(<MethodPoliciesCard settings={{ ...DEFAULT_SETTINGS, appsMayRemove: { hotp: false } }} />, { operator: { ...TEST_ADMIN, role: 'auditor' } });
    expect((screen.getByLabelText('Recovery codes') as HTMLInputElement).readOnly).toBe(true);
    expect(screen.queryByRole('switch')).toBeNull();
    expect(screen.getByLabelText('Applications may remove HOTP factors: off')).toBeTruthy();
    expect(screen.getByLabelText('Applications may remove security-key factors: on')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Save names and removal' })).toBeNull();
  });
});
