// @vitest-environment happy-dom
import { screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { renderConsole } from '../../testing/render';
import { OtpEnrollPanel } from './OtpEnrollPanel';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

describe('OtpEnrollPanel', () => {
  test('an HOTP token’s note never speaks of seconds: its codes move on with each press (issue 18)', () => {
    renderConsole(<OtpEnrollPanel otpauthUri={`otpauth://hotp/Tessera:tom?secret=${SECRET}&issuer=Tessera&counter=0`} secret={SECRET} />);
    expect(screen.getByText('Counter-based (HOTP)')).toBeTruthy();
    expect(screen.getByText(/moves on each time the button is pressed/)).toBeTruthy();
    expect(document.body.textContent).not.toMatch(/seconds|\b30 s\b/);
  });

  test('a TOTP app’s note says which apps always use SHA-1, 6 digits, 30 seconds', () => {
    renderConsole(<OtpEnrollPanel otpauthUri={`otpauth://totp/Tessera:tia?secret=${SECRET}&issuer=Tessera`} secret={SECRET} />);
    expect(screen.getByText(/always use SHA-1, 6 digits, 30 seconds/)).toBeTruthy();
  });
});
