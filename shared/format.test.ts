import { describe, expect, it } from 'vitest';
import { formatBytes, groupSecret, isIpLiteral } from './format';

describe('groupSecret', () => {
  it('groups a Base32 secret by four, whatever spacing it came with', () => {
    expect(groupSecret('JBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP');
    expect(groupSecret('JBSW Y3DP\tEHPK 3PXP ')).toBe('JBSW Y3DP EHPK 3PXP');
    expect(groupSecret('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQA')).toBe('GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ A');
    expect(groupSecret('')).toBe('');
  });
});

describe('isIpLiteral', () => {
  it('knows IPv4, IPv6 and the forms a URL parser takes for IPv4', () => {
    for (const h of ['127.0.0.1', '10.0.0', '2130706433', '0x7f.1', '::1', '[::1]', 'fe80::1%eth0', '[2001:db8::1]']) {
      expect(isIpLiteral(h), h).toBe(true);
    }
  });
  it('leaves host names alone', () => {
    for (const h of ['localhost', 'login.example.com', 'a1.example', '1.example.com', 'xn--bcher-kva.example']) {
      expect(isIpLiteral(h), h).toBe(false);
    }
  });
});

describe('formatBytes', () => {
  it('says bytes, whole KB, and MB/GB with decimals', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1 KB');
    expect(formatBytes(1536)).toBe('2 KB');
    expect(formatBytes(1024 * 1024 - 1)).toBe('1024 KB');
    expect(formatBytes(1024 * 1024)).toBe('1.0 MB');
    expect(formatBytes(2.5 * 1024 * 1024)).toBe('2.5 MB');
    expect(formatBytes(1.25 * 1024 ** 3)).toBe('1.25 GB');
  });
});
