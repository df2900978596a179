import { describe, expect, it } from 'vitest';
import { usernameSkeleton } from './skeleton';

describe('usernameSkeleton', () => {
  it('gives look-alikes across scripts the same key', () => {
    const alice = usernameSkeleton('alice');
    expect(usernameSkeleton('\u0430lice')).toBe(alice); // Cyrillic а
    expect(usernameSkeleton('ALICE')).toBe(alice);
    expect(usernameSkeleton('\u0410LICE')).toBe(alice); // Cyrillic А
    expect(usernameSkeleton('al\u0456ce')).toBe(alice); // Cyrillic і
    expect(usernameSkeleton('\u0251lice')).toBe(alice); // Latin alpha ɑ
    expect(usernameSkeleton('paypal')).toBe(usernameSkeleton('\u0440\u0430ypal')); // Cyrillic р, а
    expect(usernameSkeleton('b0b')).toBe(usernameSkeleton('bob'));
    expect(usernameSkeleton('bi11')).toBe(usernameSkeleton('bill'));
    expect(usernameSkeleton('modern')).toBe(usernameSkeleton('rnodern'));
    expect(usernameSkeleton('\u03bflga')).toBe(usernameSkeleton('olga')); // Greek ο
  });

  it('ignores invisible default-ignorable characters', () => {
    expect(usernameSkeleton('ali\u034fce')).toBe(usernameSkeleton('alice')); // combining grapheme joiner
  });

  it('keeps different names apart', () => {
    expect(usernameSkeleton('alice')).not.toBe(usernameSkeleton('alicia'));
    expect(usernameSkeleton('anna.10')).not.toBe(usernameSkeleton('anna.100'));
    expect(usernameSkeleton('user-2')).not.toBe(usernameSkeleton('user-3'));
    expect(usernameSkeleton('jürgen')).not.toBe(usernameSkeleton('jurgen'));
  });
});
