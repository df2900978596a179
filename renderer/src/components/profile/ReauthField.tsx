import { PasswordInput } from '@mantine/core';

/**
 * One field for re-authenticating before a change to one's own factors: the
 * current password, or a fresh 6-digit code (a password is at least 12
 * characters, so six digits can only be a code).
 */
export function ReauthField({
  value,
  onChange,
  error,
  autoFocus,
  description = 'Confirms it is you before your sign-in methods change.',
}: {
  value: string;
  onChange: (v: string) => void;
  error?: string | null;
  autoFocus?: boolean;
  description?: string;
}) {
  return (
    <PasswordInput
      label="Current password, or a code from your authenticator app"
      description={description}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      error={error}
      autoComplete="current-password"
      autoFocus={autoFocus}
      required
    />
  );
}

/** The Reauth input for the server: a code when the field holds exactly six digits, else the password. */
export function reauthInput(value: string): { code: string } | { password: string } {
  const compact = value.replace(/\s+/g, '');
  return /^\d{6}$/.test(compact) ? { code: compact } : { password: value };
}
