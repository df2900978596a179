import { describe, it, expect } from 'vitest';
import { defaultRandomBytes, takeRandomBytes } from './random';

describe('takeRandomBytes', () => {
  it('returns the requested number of bytes from the default source', () => {
    const a = takeRandomBytes(defaultRandomBytes, 32);
    const b = takeRandomBytes(defaultRandomBytes, 32);
    expect(a.length).toBe(32);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it('refuses a source that returns too few bytes', () => {
    expect(() => takeRandomBytes((n) => new Uint8Array(n - 1), 16)).toThrow(expect.objectContaining({ code: 'internal' }));
  });
});
