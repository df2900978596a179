import {
  browserSupportsWebAuthn,
  startAuthentication,
  startRegistration,
  WebAuthnError,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import { isIpLiteral } from '../../../shared/format';

/**
 * The browser's key dialogs over options from the server. The options are
 * what @simplewebauthn/server made, as JSON: the cast only restores the type
 * that serialisation through tRPC loses.
 */
export function createCredential(options: unknown) {
  return startRegistration({ optionsJSON: options as PublicKeyCredentialCreationOptionsJSON });
}

export function getAssertion(options: unknown) {
  return startAuthentication({ optionsJSON: options as PublicKeyCredentialRequestOptionsJSON });
}

/**
 * Why security keys cannot be used on this page, or null when they can:
 * no WebAuthn in this browser, or the console opened at an IP address.
 */
export function keysUnavailableReason(): string | null {
  if (!browserSupportsWebAuthn()) return 'This browser does not support security keys or passkeys.';
  const { hostname, port, protocol } = window.location;
  if (isIpLiteral(hostname)) {
    return `Security keys need the console opened by name, not an IP address: open ${protocol}//localhost${port ? `:${port}` : ''}${window.location.pathname}.`;
  }
  return null;
}

/** A person-readable message for what the browser's key dialog ended with. */
export function browserKeyMessage(err: unknown): string {
  if (err instanceof WebAuthnError) {
    if (err.code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED') return 'This security key is already registered.';
    if (err.code === 'ERROR_CEREMONY_ABORTED') return 'The security key request was cancelled.';
    if (err.code === 'ERROR_INVALID_DOMAIN' || err.code === 'ERROR_INVALID_RP_ID')
      return 'This address cannot use security keys; open the console at http://localhost.';
  }
  const name = (err as { name?: string } | null)?.name;
  if (name === 'NotAllowedError') return 'No security key answered: the request was cancelled or timed out. Try again.';
  if (name === 'InvalidStateError') return 'This security key is already registered.';
  return err instanceof Error ? err.message : 'The security key request failed.';
}
