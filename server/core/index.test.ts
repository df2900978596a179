import { describe, it, expect } from 'vitest';
import * as core from './index';

describe('core index', () => {
  it('re-exports the public API', () => {
    const names = [
      'generateOtpSecret',
      'base32Encode',
      'base32Decode',
      'formatSecretGroups',
      'generateTotp',
      'verifyTotp',
      'totpStep',
      'generateHotp',
      'verifyHotp',
      'resyncHotp',
      'buildOtpauthUri',
      'parseOtpauthUri',
      'classifyCodeInput',
      'RECOVERY_CODES_PER_SET',
      'generateRecoveryCodeSet',
      'parseRecoveryCode',
      'hashRecoveryCodeSecret',
      'verifyRecoveryCodeSecret',
      'hashPassword',
      'verifyPassword',
      'passwordProblems',
      'DEFAULT_THROTTLE',
      'evaluateThrottle',
      'recordFailure',
      'recordSuccess',
      'effectiveThrottleState',
      'sealSecret',
      'openSecret',
      'generateDataKey',
      'wrapDataKey',
      'unwrapDataKey',
      'parseMasterKey',
      'canonicalJson',
      'GENESIS_HASH',
      'computeEntryHash',
      'verifyChain',
      'generateSigningKeyPair',
      'checkpointMessage',
      'signCheckpoint',
      'verifyCheckpoint',
      'generateApiKey',
      'checkApiKeyFormat',
      'hashApiKey',
      'generateToken',
      'hashToken',
      'constantTimeEqualStrings',
    ];
    const missing = names.filter((n) => !(n in core));
    expect(missing).toEqual([]);
  });
});
