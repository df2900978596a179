// @vitest-environment happy-dom
import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../../../../shared/schemas/settings';
import { TrpcRefusal, useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole, TEST_ADMIN } from '../../testing/render';
import { SettingsForm } from './SettingsForm';

const server = useFakeTessera();

const type = (label: RegExp, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const save = () => fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));

describe('SettingsForm', () => {
  test('a colon in the issuer and an empty lock duration: each field says why, nothing is sent', async () => {
    renderConsole(<SettingsForm settings={DEFAULT_SETTINGS} />);
    type(/^Issuer name/, 'Acme:IT');
    type(/^Lock duration/, '');
    save();
    expect(await screen.findByText('Issuer must not contain a colon')).toBeTruthy();
    expect(screen.getByLabelText(/^Lock duration/).getAttribute('aria-invalid')).toBe('true');
    expect(server.mutations()).toEqual([]);
  });

  test('numbers out of range or empty are said in words under each field, never zod’s own text (issue 18)', async () => {
    renderConsole(<SettingsForm settings={DEFAULT_SETTINGS} />);
    type(/^Free attempts/, '25');
    type(/^Lock duration/, '0');
    type(/^Pending enrollment expiry/, '');
    save();
    expect(await screen.findByText('At most 20 free attempts')).toBeTruthy();
    expect(screen.getByText('Lock for at least 1 minute')).toBeTruthy();
    expect(screen.getByText('Enter a number')).toBeTruthy();
    expect(document.body.textContent).not.toMatch(/Too small|Too big|expected|received|Invalid input/);
    expect(server.mutations()).toEqual([]);
  });

  test('lock threshold not above the free attempts is refused on "Lock after"', async () => {
    renderConsole(<SettingsForm settings={DEFAULT_SETTINGS} />);
    type(/^Free attempts/, '5');
    type(/^Lock after/, '4');
    save();
    expect(await screen.findByText('Lock threshold must be above the free attempts')).toBeTruthy();
    expect(server.mutations()).toEqual([]);
  });

  test('good input sends settings.update with the numbers as numbers, and the saved values stay', async () => {
    server.trpc('settings.update', (patch) => ({ ...DEFAULT_SETTINGS, ...(patch as Partial<Settings>) }));
    server.trpc('settings.get', () => DEFAULT_SETTINGS);
    renderConsole(<SettingsForm settings={DEFAULT_SETTINGS} />);
    type(/^Issuer name/, 'Acme IT');
    type(/^Pending enrollment expiry/, '48');
    save();
    expect(await screen.findByText('Settings saved')).toBeTruthy();
    expect(server.mutations().map((c) => [c.name, c.input])).toEqual([
      [
        'settings.update',
        { issuer: 'Acme IT', totpWindow: 1, throttleFreeAttempts: 3, throttleLockAfter: 10, throttleLockMinutes: 30, pendingExpiryHours: 48 },
      ],
    ]);
    expect((screen.getByLabelText(/^Issuer name/) as HTMLInputElement).value).toBe('Acme IT');
  });

  test('a refusal the server names a field for shows on that field', async () => {
    server.trpc('settings.update', () => {
      throw new TrpcRefusal('Invalid input', { fields: [{ path: 'issuer', message: 'Issuer is reserved' }] });
    });
    renderConsole(<SettingsForm settings={DEFAULT_SETTINGS} />);
    type(/^Issuer name/, 'Tessera Admin');
    save();
    expect(await screen.findByText('Issuer is reserved')).toBeTruthy();
  });

  test('an auditor reads the settings and has no Save button', () => {
    renderConsole(<SettingsForm settings={DEFAULT_SETTINGS} />, { operator: { ...TEST_ADMIN, role: 'auditor' } });
    expect((screen.getByLabelText(/^Issuer name/) as HTMLInputElement).readOnly).toBe(true);
    expect(screen.queryByRole('button', { name: 'Save settings' })).toBeNull();
  });
});
