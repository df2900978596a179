// @vitest-environment happy-dom
import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../../../../shared/schemas/settings';
import { TrpcRefusal, useFakeTessera } from '../../testing/fakeTessera';
import { renderConsole, TEST_ADMIN } from '../../testing/render';
import { SignInOptionsCard } from './SignInOptionsCard';

const server = useFakeTessera();

const type = (label: RegExp, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const save = () => fireEvent.click(screen.getByRole('button', { name: 'Save sign-in options' }));

describe('SignInOptionsCard', () => {
  test('the stored intervals show in hours (whole hours) or minutes', () => {
    renderConsole(<SignInOptionsCard settings={{ ...DEFAULT_SETTINGS, recheckMinSeconds: 90, recheckMaxSeconds: 7200 }} />);
    expect((screen.getByLabelText(/^Shortest interval/) as HTMLInputElement).value).toBe('1.5');
    expect((screen.getByLabelText('Unit of the shortest interval') as HTMLSelectElement).value).toBe('min');
    expect((screen.getByLabelText(/^Longest interval/) as HTMLInputElement).value).toBe('2');
    expect((screen.getByLabelText('Unit of the longest interval') as HTMLSelectElement).value).toBe('h');
  });

  test('turning both on with a life in days and intervals in minutes and hours sends seconds', async () => {
    server.trpc('settings.update', (patch) => ({ ...DEFAULT_SETTINGS, ...(patch as Partial<Settings>) }));
    server.trpc('settings.get', () => DEFAULT_SETTINGS);
    renderConsole(<SignInOptionsCard settings={DEFAULT_SETTINGS} />);
    fireEvent.click(screen.getByRole('switch', { name: 'Applications may remember devices' }));
    type(/^Longest life/, '14');
    fireEvent.click(screen.getByRole('switch', { name: 'Tell applications when to check again' }));
    type(/^Shortest interval/, '30');
    fireEvent.change(screen.getByLabelText('Unit of the shortest interval'), { target: { value: 'min' } });
    type(/^Longest interval/, '2');
    save();
    expect(await screen.findByText('Sign-in options saved')).toBeTruthy();
    expect(server.mutations().map((c) => [c.name, c.input])).toEqual([
      ['settings.update', { rememberDevices: true, rememberDeviceMaxDays: 14, recheck: true, recheckMinSeconds: 1800, recheckMaxSeconds: 7200 }],
    ]);
  });

  test('empty, too short, too long and longest below shortest: each field says why in words, nothing is sent', async () => {
    renderConsole(<SignInOptionsCard settings={DEFAULT_SETTINGS} />);
    type(/^Longest life/, '');
    type(/^Shortest interval/, '');
    save();
    expect(await screen.findByText('Enter the longest life in days (1–365)')).toBeTruthy();
    expect(screen.getByText('Enter the shortest interval')).toBeTruthy();
    expect(screen.getByLabelText(/^Longest life/).getAttribute('aria-invalid')).toBe('true');

    type(/^Longest life/, '400');
    type(/^Shortest interval/, '0.5');
    fireEvent.change(screen.getByLabelText('Unit of the shortest interval'), { target: { value: 'min' } });
    type(/^Longest interval/, '721');
    save();
    expect(await screen.findByText('At least 1 minute')).toBeTruthy();
    expect(screen.getByText('At most 30 days (720 hours)')).toBeTruthy();

    type(/^Shortest interval/, '5');
    fireEvent.change(screen.getByLabelText('Unit of the shortest interval'), { target: { value: 'h' } });
    type(/^Longest interval/, '90');
    fireEvent.change(screen.getByLabelText('Unit of the longest interval'), { target: { value: 'min' } });
    save();
    expect(await screen.findByText('At most 365 days')).toBeTruthy();
    expect(screen.getByText('The longest re-check interval must not be below the shortest')).toBeTruthy();
    expect(server.mutations()).toEqual([]);
  });

  test('a refusal the server names a field for shows on that field', async () => {
    server.trpc('settings.update', () => {
      throw new TrpcRefusal('Invalid input', { fields: [{ path: 'recheckMaxSeconds', message: 'Must not be below the shortest re-check interval' }] });
    });
    renderConsole(<SignInOptionsCard settings={DEFAULT_SETTINGS} />);
    fireEvent.click(screen.getByRole('switch', { name: 'Tell applications when to check again' }));
    save();
    expect(await screen.findByText('Must not be below the shortest re-check interval')).toBeTruthy();
  });

  test('an auditor reads On/Off and the numbers, and has no Save button', () => {
    renderConsole(<SignInOptionsCard settings={{ ...DEFAULT_SETTINGS, rememberDevices: true }} />, { operator: { ...TEST_ADMIN, role: 'auditor' } });
    expect(screen.queryByRole('switch')).toBeNull();
    expect(screen.getByLabelText('Applications may remember devices: on')).toBeTruthy();
    expect(screen.getByLabelText('Tell applications when to check again: off')).toBeTruthy();
    expect((screen.getByLabelText(/^Longest life/) as HTMLInputElement).readOnly).toBe(true);
    expect(screen.queryByRole('button', { name: 'Save sign-in options' })).toBeNull();
  });
});
