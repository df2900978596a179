import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildOtpauthUri } from '../../core/otp/otpauthUri';
import { base32Encode, formatSecretGroups } from '../../core/otp/secret';
import { decodePdfQrCodes, pdfPageText } from '../../testing/pdfQr';
import { createSheetDocument, drawSheet, formatSheetDate, PAPER_SIZES, printableText, type SheetData, type SheetGeometry } from './sheetLayout';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-layout-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function sample(over: Partial<SheetData> = {}): SheetData {
  const secret = Uint8Array.from({ length: 20 }, (_, i) => (i * 37 + 11) & 0xff);
  const issuer = over.issuer ?? 'Acme Corporation';
  const username = over.username ?? 'alice.lindqvist';
  return {
    issuer,
    username,
    displayName: 'Alice Lindqvist',
    otpauthUri: buildOtpauthUri({ type: 'totp', issuer, account: username, secret, algorithm: 'SHA1', digits: 6, period: 30 }),
    secretGroups: formatSecretGroups(base32Encode(secret)),
    issuedAt: new Date(Date.UTC(2026, 10, 25, 9, 30)),
    expiresAt: new Date(Date.UTC(2026, 10, 28, 9, 30)),
    paper: 'a4',
    reference: '3f9c2a1b',
    ...over,
  };
}

/** Draws the sheets into a file; returns the file and each page's geometry. */
async function render(name: string, sheets: SheetData[]): Promise<{ file: string; geometry: SheetGeometry[] }> {
  const file = path.join(dir, `${name}.pdf`);
  const doc = createSheetDocument();
  const out = fs.createWriteStream(file);
  doc.pipe(out);
  const geometry = sheets.map((s) => drawSheet(doc, s));
  doc.end();
  await new Promise<void>((resolve, reject) => out.on('finish', () => resolve()).on('error', reject));
  return { file, geometry };
}

function pngSize(file: string): { width: number; height: number } {
  const b = fs.readFileSync(file);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe('printableText: what the built-in PDF fonts can print', () => {
  it('keeps ASCII, Latin-1 and the WinAnsi extras as they are', () => {
    expect(printableText('Zoë Ørsted – “Café” €5')).toEqual({ text: 'Zoë Ørsted – “Café” €5', lossy: false });
  });
  it('strips accents the fonts lack, readably', () => {
    expect(printableText('Łukasz Żółć, Dvořák, Ştefan')).toEqual({ text: 'Lukasz Zólc, Dvorák, Stefan', lossy: false });
  });
  it('marks what it cannot print', () => {
    expect(printableText('Иван 王 😀')).toEqual({ text: '???? ? ?', lossy: true });
  });
});

describe('drawSheet', () => {
  it('dates are spelled out (no 03/04 ambiguity)', () => {
    expect(formatSheetDate(new Date(Date.UTC(2026, 2, 4)))).toBe('4 March 2026');
  });

  for (const paper of ['a4', 'letter'] as const) {
    it(`${paper}: nothing runs into the receipt slip, even with the longest names and the "cannot print" note`, async () => {
      const worst = sample({
        paper,
        issuer: 'The Very Long Name of an Organisation That Uses Tessera Daily Ltd',
        username: `${'very.long.user.name.'.repeat(6)}Иван`,
        displayName: `${'Maximilian Alexander '.repeat(6)}王`,
      });
      const { geometry } = await render(`worst-${paper}`, [worst]);
      const g = geometry[0]!;
      expect(g.contentBottom).toBeLessThan(g.slipTop - 12);
      // The QR code is big: at least 7 cm (198 pt) on both papers.
      expect(g.qr.size).toBeGreaterThanOrEqual(198);
      expect(g.qr.x + g.qr.size).toBeLessThan(PAPER_SIZES[paper][0]);
    });
  }

  it(`A4 and US Letter pages have their paper's size, and each page's QR code decodes to its URI`, async () => {
    const sheets = [
      sample({ paper: 'a4' }),
      sample({ paper: 'letter', username: 'bob@example.com', displayName: null }),
      sample({ paper: 'a4', issuer: 'Zoë & Co', username: 'Zoë 王 / ops:1' }),
    ];
    const { file } = await render('papers', sheets);
    const codes = await decodePdfQrCodes(file, path.join(dir, 'papers-png'));
    expect(codes).toEqual(sheets.map((s) => [s.otpauthUri]));
    // 150 dpi: A4 is 8.27 × 11.69 in, US Letter 8.5 × 11 in.
    const a4 = pngSize(path.join(dir, 'papers-png', 'page-1.png'));
    const letter = pngSize(path.join(dir, 'papers-png', 'page-2.png'));
    expect(Math.abs(a4.width - 1240)).toBeLessThanOrEqual(1);
    expect(Math.abs(a4.height - 1754)).toBeLessThanOrEqual(1);
    expect(letter).toEqual({ width: 1275, height: 1650 });
  });

  it(`the page text holds the issuer, the name, the key in groups of four, the dates and the receipt`, async () => {
    const s = sample();
    const { file } = await render('text', [s]);
    const text = await pdfPageText(file, 1);
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('Acme Corporation');
    expect(flat).toContain('Alice Lindqvist');
    expect(flat).toContain('Username: alice.lindqvist');
    expect(flat).toContain(s.secretGroups);
    expect(s.secretGroups).toMatch(/^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/);
    expect(flat).toContain('25 November 2026');
    expect(flat).toContain('Set up before 28 November 2026, 09:30 UTC');
    expect(flat).toMatch(/Receipt.*Name.*Signature.*Date/i);
    expect(flat).toContain('Sheet ref. 3f9c2a1b');
    // Four numbered steps.
    for (const n of ['1', '2', '3', '4']) expect(text).toMatch(new RegExp(`(^|\\s)${n}\\s`));
  });
});
