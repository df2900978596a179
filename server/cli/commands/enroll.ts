import QRCode from 'qrcode';
import { TesseraError } from '../../../shared/errors';
import { ConfirmFactorInput, EnrollFactorInput } from '../../../shared/schemas/factors';
import { Id, Username } from '../../../shared/schemas/text';
import { groupSecret } from '../../../shared/format';
import { confirmFactor, enrollOtpFactor } from '../../services/factors';
import type { Services } from '../../services/index';
import { cliActor, parseInput, readLine, withServices, type Command, type CommandGroup, type Invocation } from '../command';

/** Tries at an interactive prompt before giving up (each wrong code is an audit entry). */
const PROMPT_ATTEMPTS = 3;

function numberOption(inv: Invocation, name: string, allowed: readonly number[]): number | undefined {
  const text = inv.args[name] as string | undefined;
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!allowed.includes(n)) throw new TesseraError('bad_request', `--${name} must be ${allowed.join(' or ')}, not "${text}"`);
  return n;
}

function confirmHint(username: string, factorId: string): string {
  return `tessera enroll confirm ${/^[A-Za-z0-9._@-]+$/.test(username) ? username : JSON.stringify(username)} ${factorId} CODE`;
}

async function confirmWith(s: Services, inv: Invocation, username: string, factorId: string, code: string): Promise<void> {
  const { code: clean } = parseInput(ConfirmFactorInput, { code });
  confirmFactor(s, username, factorId, clean, cliActor());
  inv.io.stdout.write('Confirmed: the factor is active.\n');
}

function enrollCommand(type: 'totp' | 'hotp'): Command {
  const label = type === 'totp' ? 'TOTP' : 'HOTP';
  return {
    name: `enroll ${type}`,
    summary: `enroll a ${label} factor for a user: prints the otpauth URI, the secret and a terminal QR code`,
    synopsis: `NAME [--label L] [--algorithm SHA1] [--digits 6]${type === 'totp' ? ' [--period 30]' : ''} [--confirm CODE]`,
    help: [
      'Options:',
      '  --label L         a name for this factor (e.g. "work phone")',
      '  --algorithm A     SHA1 (default; what most apps support), SHA256 or SHA512',
      '  --digits N        6 (default) or 8',
      ...(type === 'totp' ? ['  --period S        30 (default) or 60 seconds'] : []),
      '  --confirm CODE    confirm at once with the first code from the app',
      'The factor stays pending (it does not verify) until a code confirms it; on a terminal you are',
      'asked for that code. Pending factors expire (settings: pendingExpiryHours).',
      'The output holds the secret: do not paste it into tickets or chat.',
    ].join('\n'),
    options: {
      label: { type: 'string' },
      algorithm: { type: 'string' },
      digits: { type: 'string' },
      ...(type === 'totp' ? { period: { type: 'string' as const } } : {}),
      confirm: { type: 'string' },
    },
    positionals: { min: 1, max: 1 },
    async run(inv) {
      const username = parseInput(Username, inv.positionals[0]);
      const algorithm = inv.args.algorithm as string | undefined;
      const input = parseInput(
        EnrollFactorInput,
        {
          type,
          ...(inv.args.label !== undefined ? { label: inv.args.label } : {}),
          ...(algorithm !== undefined ? { algorithm: algorithm.toUpperCase().replace(/^SHA-/, 'SHA') } : {}),
          ...(inv.args.digits !== undefined ? { digits: numberOption(inv, 'digits', [6, 8]) } : {}),
          ...(inv.args.period !== undefined ? { period: numberOption(inv, 'period', [30, 60]) } : {}),
        },
        { label: '--label', algorithm: '--algorithm (SHA1, SHA256 or SHA512)', digits: '--digits', period: '--period' },
      );
      const confirmCode = inv.args.confirm as string | undefined;

      return withServices(inv, async (s) => {
        const enrolled = enrollOtpFactor(s, username, input, cliActor());
        const out = (line = '') => inv.io.stdout.write(`${line}\n`);
        const params = `${input.algorithm}, ${input.digits} digits${type === 'totp' ? `, ${input.period} s` : ''}`;
        out(`Enrolled ${label} factor ${enrolled.id} for ${username} (${params}).`);
        out('');
        out('otpauth URI (it holds the secret; treat it like a password):');
        out(enrolled.otpauthUri);
        out('');
        out(`Secret, to type in by hand: ${groupSecret(enrolled.secret)}`);
        out('');
        inv.io.stdout.write(await QRCode.toString(enrolled.otpauthUri, { type: 'terminal', small: true }));
        out('');
        out(`Pending until ${enrolled.expiresAt}: the first code from the app confirms it, here or at the user's first sign-in.`);

        if (confirmCode !== undefined) {
          await confirmWith(s, inv, username, enrolled.id, confirmCode);
          return 0;
        }
        if (inv.io.stdin.isTTY) {
          for (let attempt = 1; attempt <= PROMPT_ATTEMPTS; attempt++) {
            inv.io.stdout.write('Code from the app to confirm (Enter to leave pending): ');
            const line = (await readLine(inv.io.stdin))?.trim() ?? '';
            if (line === '') break;
            try {
              await confirmWith(s, inv, username, enrolled.id, line);
              return 0;
            } catch (err) {
              if (!(err instanceof TesseraError) || (err.code !== 'invalid_code' && err.code !== 'bad_request') || attempt === PROMPT_ATTEMPTS) throw err;
              inv.io.stderr.write(`${err.message}\n`);
            }
          }
        }
        out(`Left pending. To confirm it later: ${confirmHint(username, enrolled.id)}`);
        return 0;
      });
    },
  };
}

const confirm: Command = {
  name: 'enroll confirm',
  summary: 'activate a pending TOTP/HOTP factor with a code from the app',
  synopsis: 'NAME FACTOR_ID CODE',
  options: {},
  positionals: { min: 3, max: 3 },
  async run(inv) {
    const [name, factorId, code] = inv.positionals as [string, string, string];
    const username = parseInput(Username, name);
    const id = parseInput(Id, factorId);
    return withServices(inv, async (s) => {
      await confirmWith(s, inv, username, id, code);
      return 0;
    });
  },
};

export const enroll: CommandGroup = {
  name: 'enroll',
  summary: 'enroll second factors for users',
  commands: [enrollCommand('totp'), enrollCommand('hotp'), confirm],
};
