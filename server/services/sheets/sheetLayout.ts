import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import type { Paper } from '../../../shared/schemas/sheets';

/**
 * One enrollment sheet, drawn on a PDFDocument from plain data: no database,
 * no clock, no randomness. The QR code is vector graphics (one filled path of
 * rectangles), the text uses PDF's built-in Helvetica and Courier, so a sheet
 * needs no font or image files and a 1,000-page batch stays small.
 */

export interface SheetData {
  /** The organisation, as the authenticator app will show it. */
  issuer: string;
  username: string;
  displayName: string | null;
  /** What the QR code encodes (it holds the seed). */
  otpauthUri: string;
  /** The Base32 seed in groups of four, for typing in by hand. */
  secretGroups: string;
  /** When the sheet was issued (printed as a date, UTC). */
  issuedAt: Date;
  /** When the pending enrollment expires unless a first code confirms it. */
  expiresAt: Date | null;
  paper: Paper;
  /** Code length and time step, printed for manual entry. Default 6 and 30. */
  digits?: number;
  period?: number;
  /** A short non-secret reference printed on the receipt slip (e.g. the factor id's first characters). */
  reference?: string;
  /** The method's name as this Tessera calls it (settings.methodNames); default "Authenticator app". */
  methodName?: string;
}

/** Page sizes in PostScript points (1/72 inch). */
export const PAPER_SIZES: Record<Paper, readonly [number, number]> = {
  a4: [595.28, 841.89],
  letter: [612, 792],
};

const INK = '#111827';
const MUTED = '#4b5563';
const FAINT = '#9ca3af';
const ACCENT = '#1d4ed8';
const PANEL = '#f3f4f6';
const RULE = '#d1d5db';

/** Units for the receipt's cut line and similar decorations. */
const MARGIN = 54; // 0.75 in: inside every office printer's unprintable border

/** A document ready for `drawSheet`: pages are added per sheet, compressed, with metadata and no creation date drift. */
export function createSheetDocument(opts: { title?: string; issuer?: string } = {}): PDFKit.PDFDocument {
  return new PDFDocument({
    autoFirstPage: false,
    compress: true,
    info: {
      Title: opts.title ?? 'Authenticator app enrollment sheets',
      Author: opts.issuer ?? 'Tessera',
      Creator: 'Tessera',
      Producer: 'Tessera (pdfkit)',
    },
    // Printers and viewers: print at actual size, never "fit to page" (a shrunken QR still scans, but margins move).
    displayTitle: true,
  });
}

// ---------------------------------------------------------------------------
// Text the built-in fonts can print

/** WinAnsi (Windows-1252) beyond Latin-1: what Helvetica and Courier can print in 0x80–0x9F. */
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

function printableChar(c: string): boolean {
  const code = c.codePointAt(0)!;
  return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(c);
}

/** Letters the standard fonts lack but people read fine without their marks. */
const FALLBACK: Record<string, string> = { Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', Ħ: 'H', ħ: 'h', ı: 'i', ŀ: 'l', Ŀ: 'L', ſ: 's', Ŧ: 'T', ŧ: 't', ß: 'ss' };

/**
 * The text as the built-in fonts can print it: characters outside WinAnsi are
 * decomposed and stripped of accents where that keeps them readable (ę → e,
 * ł → l); anything else (Cyrillic, CJK, emoji…) becomes '?' and `lossy` is set,
 * so the sheet can say the QR code holds the exact name.
 */
export function printableText(text: string): { text: string; lossy: boolean } {
  let out = '';
  let lossy = false;
  for (const c of text) {
    if (printableChar(c)) {
      out += c;
      continue;
    }
    const fallback = FALLBACK[c];
    if (fallback !== undefined) {
      out += fallback;
      continue;
    }
    const base = c.normalize('NFKD').replace(/\p{M}+/gu, '');
    if (base !== '' && [...base].every(printableChar)) {
      out += base;
    } else {
      out += '?';
      lossy = true;
    }
  }
  return { text: out, lossy };
}

// ---------------------------------------------------------------------------
// Dates

const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZone: 'UTC',
});

/** "25 November 2026": day and month spelled out, so no reader mistakes 03/04 for 04/03. */
export function formatSheetDate(d: Date): string {
  return DATE.format(d);
}

export function formatSheetDateTime(d: Date): string {
  return `${DATE_TIME.format(d).replace(' at ', ', ')} UTC`;
}

// ---------------------------------------------------------------------------
// QR code

/**
 * Draws the QR code of `text` as vector rectangles (runs of dark modules per
 * row, one fill for all), with the 4-module quiet zone the standard requires
 * inside `size`. Error correction M: survives a crease or a coffee ring.
 */
export function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number): { modules: number } {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const quiet = 4;
  const unit = size / (n + 2 * quiet);
  const data = qr.modules.data;
  doc.save();
  doc.rect(x, y, size, size).fill('#ffffff');
  for (let row = 0; row < n; row++) {
    let col = 0;
    while (col < n) {
      if (!data[row * n + col]) {
        col++;
        continue;
      }
      const start = col;
      while (col < n && data[row * n + col]) col++;
      // A hair of overlap closes the seams some rasterisers leave between touching rectangles.
      doc.rect(x + (quiet + start) * unit, y + (quiet + row) * unit, (col - start) * unit + 0.01, unit + 0.01);
    }
  }
  doc.fill('#000000');
  doc.restore();
  return { modules: n };
}

// ---------------------------------------------------------------------------
// The page

/** Where things landed on the page (points from the top): tests check that nothing runs into the receipt slip. */
export interface SheetGeometry {
  /** The bottom of the last line above the cut line. */
  contentBottom: number;
  /** The cut line. */
  slipTop: number;
  qr: { x: number; y: number; size: number };
}

/** Long names inside running text are cut with an ellipsis; their own fields show them in full (or ellipsised to the width). */
function shorten(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

interface Box {
  x: number;
  y: number;
  w: number;
}

function label(doc: PDFKit.PDFDocument, text: string, x: number, y: number, width?: number): void {
  doc
    .font('Helvetica-Bold')
    .fontSize(7.5)
    .fillColor(MUTED)
    .text(text.toUpperCase(), x, y, { lineBreak: false, ...(width ? { width } : {}) });
}

function hline(doc: PDFKit.PDFDocument, x1: number, x2: number, y: number, color = RULE, width = 0.75, dash?: number): void {
  doc.save().lineWidth(width).strokeColor(color);
  if (dash) doc.dash(dash, { space: dash });
  doc.moveTo(x1, y).lineTo(x2, y).stroke();
  doc.restore();
}

function steps(doc: PDFKit.PDFDocument, items: string[], box: Box): number {
  let y = box.y;
  const indent = 26;
  for (const [i, item] of items.entries()) {
    doc.save();
    doc.circle(box.x + 9, y + 7, 9).fill(ACCENT);
    doc
      .font('Helvetica-Bold')
      .fontSize(10)
      .fillColor('#ffffff')
      .text(String(i + 1), box.x, y + 2.2, { width: 18, align: 'center', lineBreak: false });
    doc.restore();
    doc.font('Helvetica').fontSize(10.5).fillColor(INK);
    const w = box.w - indent;
    doc.text(item, box.x + indent, y, { width: w, lineGap: 2 });
    y += Math.max(20, doc.heightOfString(item, { width: w, lineGap: 2 })) + 9;
  }
  return y;
}

/**
 * Adds a page of `data.paper` size to `doc` and draws one sheet on it:
 * header (issuer, title), who it is for and when, the QR code beside
 * numbered instructions, the key for manual entry, a privacy note, and a
 * receipt slip below a cut line (name, signature, date).
 */
export function drawSheet(doc: PDFKit.PDFDocument, data: SheetData): SheetGeometry {
  const [pageW, pageH] = PAPER_SIZES[data.paper];
  doc.addPage({ size: [pageW, pageH], margin: 0 });
  const left = MARGIN;
  const right = pageW - MARGIN;
  const width = right - left;
  const issuer = printableText(data.issuer);
  const user = printableText(data.username);
  const display = data.displayName ? printableText(data.displayName) : null;
  const lossy = issuer.lossy || user.lossy || (display?.lossy ?? false);
  const digits = data.digits ?? 6;
  const period = data.period ?? 30;
  // US Letter is 50 pt shorter than A4: take the difference out of the gaps, not the QR code.
  const gap = (pt: number) => (pageH < 800 ? Math.round(pt * 0.7) : pt);

  // Header: the organisation, large; what this document is, small.
  let y = MARGIN;
  doc.rect(left, y, 4, 34).fill(ACCENT);
  const issuerW = width - 200;
  let issuerSize = 22;
  doc.font('Helvetica-Bold');
  while (issuerSize > 14 && doc.fontSize(issuerSize).widthOfString(issuer.text) > issuerW) issuerSize -= 1;
  doc
    .fontSize(issuerSize)
    .fillColor(INK)
    .text(issuer.text, left + 14, y + 1 + (22 - issuerSize) / 2, { width: issuerW, height: 28, ellipsis: true, lineBreak: false });
  doc
    .font('Helvetica')
    .fontSize(9)
    .fillColor(MUTED)
    .text('Two-step sign-in', right - 190, y + 4, { width: 190, align: 'right', lineBreak: false });
  doc.text(`${printableText(data.methodName ?? 'Authenticator app').text} enrollment`, right - 190, y + 17, {
    width: 190,
    align: 'right',
    lineBreak: false,
    ellipsis: true,
  });
  y += 42 + gap(8);
  hline(doc, left, right, y);
  y += gap(22);

  doc.font('Helvetica-Bold').fontSize(18).fillColor(INK).text('Set up your authenticator app', left, y, { width, lineBreak: false });
  y += 26 + gap(8);

  // Who and when, in two columns.
  const colW = width / 2 - 10;
  label(doc, 'Issued to', left, y);
  label(doc, 'Date', left + width / 2 + 10, y);
  y += 12;
  const name = display ? display.text : user.text;
  doc.font('Helvetica-Bold').fontSize(14).fillColor(INK).text(name, left, y, { width: colW, height: 18, ellipsis: true, lineBreak: false });
  doc
    .font('Helvetica')
    .fontSize(12)
    .fillColor(INK)
    .text(formatSheetDate(data.issuedAt), left + width / 2 + 10, y + 1, { width: colW, lineBreak: false });
  y += 19;
  doc.font('Helvetica').fontSize(10).fillColor(MUTED).text(`Username: ${user.text}`, left, y, { width: colW, height: 14, ellipsis: true, lineBreak: false });
  if (data.expiresAt) {
    doc
      .font('Helvetica')
      .fontSize(10)
      .fillColor(MUTED)
      .text(`Set up before ${formatSheetDateTime(data.expiresAt)}`, left + width / 2 + 10, y, { width: colW, lineBreak: false });
  }
  y += 14;
  if (lossy) {
    doc
      .font('Helvetica-Oblique')
      .fontSize(8)
      .fillColor(MUTED)
      .text('Some characters of this name cannot be printed here (shown as ?); the QR code holds the exact name.', left, y + 2, { width, lineBreak: false });
    y += 12;
  }
  y += gap(18);

  // QR code on the left, steps on the right.
  const qrSize = Math.min(206, width * 0.44);
  const qrX = left;
  const qrY = y;
  doc
    .save()
    .lineWidth(0.75)
    .strokeColor(RULE)
    .roundedRect(qrX - 1, qrY - 1, qrSize + 2, qrSize + 2, 4)
    .stroke()
    .restore();
  drawQr(doc, data.otpauthUri, qrX, qrY, qrSize);
  doc
    .font('Helvetica')
    .fontSize(8.5)
    .fillColor(MUTED)
    .text('Scan this code with the app', qrX, qrY + qrSize + 7, { width: qrSize, align: 'center', lineBreak: false });

  const stepsX = qrX + qrSize + 26;
  const stepsW = right - stepsX;
  label(doc, 'How to set it up', stepsX, qrY);
  const accountShown = `${shorten(issuer.text, 40)} (${shorten(user.text, 40)})`;
  const stepsEnd = steps(
    doc,
    [
      'Install an authenticator app on your phone, if you do not have one (for example Microsoft Authenticator, Google Authenticator or the app your IT team recommends).',
      'In the app, choose "Add account" (or +) and scan the QR code on the left.',
      `The app now lists ${accountShown} with a ${digits}-digit code that changes every ${period} seconds.`,
      `Finish by signing in with that code${data.expiresAt ? ` before ${formatSheetDate(data.expiresAt)}` : ''}. Until then the app's codes are not accepted; after that date this sheet no longer works.`,
    ],
    { x: stepsX, y: qrY + 16, w: stepsW },
  );
  y = Math.max(qrY + qrSize + 26, stepsEnd) + gap(12);

  // Manual entry.
  const panelH = 74;
  doc.roundedRect(left, y, width, panelH, 6).fill(PANEL);
  label(doc, 'Cannot scan? Enter this key by hand', left + 16, y + 13);
  doc
    .font('Courier-Bold')
    .fontSize(17)
    .fillColor(INK)
    .text(data.secretGroups, left + 16, y + 29, { width: width - 32, characterSpacing: 0.5, lineBreak: false });
  doc
    .font('Helvetica')
    .fontSize(9)
    .fillColor(MUTED)
    .text(`Account: ${user.text}   ·   Type: time-based   ·   ${digits} digits   ·   every ${period} seconds`, left + 16, y + 53, {
      width: width - 32,
      height: 12,
      ellipsis: true,
      lineBreak: false,
    });
  y += panelH + gap(16);

  // Privacy note.
  doc
    .font('Helvetica-Bold')
    .fontSize(9.5)
    .fillColor(INK)
    .text('Keep this sheet private.', left, y, { width, continued: true })
    .font('Helvetica')
    .fillColor(MUTED)
    .text(
      ' Anyone who sees the QR code or the key can make your sign-in codes. Do not photograph or copy it. Once your app shows codes, shred this part of the sheet. If it is lost, tell IT: they will issue a new one and this one stops working.',
      { width, lineGap: 1.5 },
    );
  const contentBottom = doc.y;

  // Receipt slip at the foot of the page.
  const slipH = 128;
  const slipTop = pageH - MARGIN - slipH;
  hline(doc, left, right, slipTop, FAINT, 0.75, 4);
  doc
    .font('Helvetica')
    .fontSize(7.5)
    .fillColor(FAINT)
    .text('cut here', left, slipTop - 11, { width, align: 'right', lineBreak: false });
  let sy = slipTop + 16;
  doc.font('Helvetica-Bold').fontSize(11).fillColor(INK).text('Receipt', left, sy, { lineBreak: false });
  doc
    .font('Helvetica')
    .fontSize(9)
    .fillColor(MUTED)
    .text('Sign and return this slip to IT. It holds no secret.', left + 52, sy + 1.5, { lineBreak: false });
  if (data.reference) {
    doc
      .font('Helvetica')
      .fontSize(8)
      .fillColor(MUTED)
      .text(`Sheet ref. ${data.reference}`, right - 150, sy + 2, { width: 150, align: 'right', lineBreak: false });
  }
  sy += 20;
  doc
    .font('Helvetica')
    .fontSize(9.5)
    .fillColor(INK)
    .text(
      `I, ${shorten(name, 50)}${display ? ` (${shorten(user.text, 40)})` : ''}, received my authenticator app enrollment sheet from ${shorten(issuer.text, 50)} on the date below and will keep it private.`,
      left,
      sy,
      { width, height: 26, ellipsis: true, lineGap: 1.5 },
    );
  sy += 52;
  const fieldGap = 18;
  const fields: [string, number][] = [
    ['Name', 0.34],
    ['Signature', 0.4],
    ['Date', 0.26],
  ];
  let fx = left;
  for (const [fieldLabel, share] of fields) {
    const fw = (width - fieldGap * (fields.length - 1)) * share;
    hline(doc, fx, fx + fw, sy, INK, 0.75);
    label(doc, fieldLabel, fx, sy + 5);
    fx += fw + fieldGap;
  }

  // Footer.
  doc
    .font('Helvetica')
    .fontSize(7)
    .fillColor(FAINT)
    .text(`${issuer.text} · issued by Tessera on ${formatSheetDate(data.issuedAt)}`, left, pageH - MARGIN + 18, { width, align: 'center', lineBreak: false });
  return { contentBottom, slipTop, qr: { x: qrX, y: qrY, size: qrSize } };
}
