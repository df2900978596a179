import { Alert, Badge, Group, List, Stack, Text } from '@mantine/core';
import { OTP_PARAMETER_NOTES } from '../../../../shared/methodTexts';
import { OtpSecret } from './OtpSecret';
import { QrCode } from './QrCode';

export interface OtpParamsShown {
  type: 'totp' | 'hotp';
  algorithm: 'SHA1' | 'SHA256' | 'SHA512';
  digits: number;
  period?: number | null;
}

/** Reads type, algorithm, digits and period back out of an otpauth:// URI (what the QR says). */
export function paramsFromUri(uri: string): OtpParamsShown {
  try {
    const u = new URL(uri);
    const type = u.host === 'hotp' ? 'hotp' : 'totp';
    const algorithm = (u.searchParams.get('algorithm') ?? 'SHA1').toUpperCase() as OtpParamsShown['algorithm'];
    return { type, algorithm, digits: Number(u.searchParams.get('digits') ?? 6), period: type === 'totp' ? Number(u.searchParams.get('period') ?? 30) : null };
  } catch {
    return { type: 'totp', algorithm: 'SHA1', digits: 6, period: 30 };
  }
}

/**
 * What a person needs to add a TOTP/HOTP factor to an authenticator app: the
 * QR code, the secret for manual entry in groups of four, the parameters, and
 * the warning that some apps ignore non-default parameters.
 */
export function OtpEnrollPanel({ otpauthUri, secret, account }: { otpauthUri: string; secret: string; account?: string }) {
  const p = paramsFromUri(otpauthUri);
  const nonDefault = p.algorithm !== 'SHA1' || p.digits !== 6 || (p.type === 'totp' && p.period !== 30);
  return (
    <Stack gap="md">
      <Group align="flex-start" gap="lg" wrap="wrap">
        <QrCode value={otpauthUri} label={`QR code for an authenticator app${account ? ` (${account})` : ''}`} />
        <Stack gap="sm" flex={1} miw={240}>
          {p.type === 'totp' ? (
            <List type="ordered" size="sm" spacing={6}>
              <List.Item>Open an authenticator app (Microsoft Authenticator, Google Authenticator, 1Password…).</List.Item>
              <List.Item>Add an account and scan the QR code.</List.Item>
              <List.Item>Type the code the app shows below.</List.Item>
            </List>
          ) : (
            <List type="ordered" size="sm" spacing={6}>
              <List.Item>Program the token with the key below, or scan the QR code with an app that supports counter-based codes.</List.Item>
              <List.Item>Press the token’s button once and type the code below.</List.Item>
            </List>
          )}
          <Text size="sm" fw={500} mt={4}>
            Can’t scan? Enter this key instead:
          </Text>
          <OtpSecret secret={secret} />
          <Group gap={6}>
            <Badge variant="light" color="gray">
              {p.type === 'totp' ? 'Time-based (TOTP)' : 'Counter-based (HOTP)'}
            </Badge>
            <Badge variant="light" color="gray">
              {p.algorithm.replace('SHA', 'SHA-')}
            </Badge>
            <Badge variant="light" color="gray">
              {p.digits} digits
            </Badge>
            {p.type === 'totp' && (
              <Badge variant="light" color="gray">
                {p.period} s
              </Badge>
            )}
          </Group>
        </Stack>
      </Group>
      <Alert color={nonDefault ? 'orange' : 'blue'} variant="light" title={nonDefault ? 'Check that the app supports these settings' : undefined}>
        <Text size="xs">
          {OTP_PARAMETER_NOTES[p.type]}
          {nonDefault ? ' This factor uses other settings: its codes will only work in an app that honours them.' : ' This factor uses those safe defaults.'}
        </Text>
      </Alert>
    </Stack>
  );
}
