import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Test helpers for enrollment sheets: render a PDF's pages to PNG with
 * poppler's `pdftoppm` and decode the QR code on each page with zbar's
 * `zbarimg`, the way a phone would see the printout. CI installs both
 * (.ci/run: poppler-utils, zbar-tools). A missing tool fails the test with
 * the apt package to install: these tests must not pass by skipping.
 */

const run = promisify(execFile);

/** Each tool these helpers run, and the Debian/Ubuntu package that has it. */
const TOOL_PACKAGES = { pdftoppm: 'poppler-utils', pdftotext: 'poppler-utils', zbarimg: 'zbar-tools' } as const;
type Tool = keyof typeof TOOL_PACKAGES;

function onPath(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** null when every tool is there, else a message naming what is missing and the apt package to install. */
export function missingPdfTools(tools: readonly Tool[] = ['pdftoppm', 'zbarimg']): string | null {
  const missing = tools.filter((t) => !onPath(t));
  if (missing.length === 0) return null;
  const packages = [...new Set(missing.map((t) => TOOL_PACKAGES[t]))];
  return `The PDF/QR tests need ${missing.join(' and ')}, not installed: apt-get install ${packages.join(' ')}`;
}

/** Throws, naming the apt package, unless every tool is on the PATH. */
export function requirePdfTools(tools: readonly Tool[] = ['pdftoppm', 'zbarimg']): void {
  const problem = missingPdfTools(tools);
  if (problem) throw new Error(problem);
}

export interface RenderedPage {
  page: number;
  png: string;
}

/** Renders every page of `pdf` into `outDir` as PNG at `dpi` (default 150, as a desk scanner would). */
export async function renderPdfPages(pdf: string, outDir: string, dpi = 150): Promise<RenderedPage[]> {
  requirePdfTools(['pdftoppm']);
  fs.mkdirSync(outDir, { recursive: true });
  const prefix = path.join(outDir, 'page');
  await run('pdftoppm', ['-r', String(dpi), '-png', pdf, prefix], { maxBuffer: 16 * 1024 * 1024 });
  return fs
    .readdirSync(outDir)
    .map((f) => /^page-0*(\d+)\.png$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ page: Number(m[1]), png: path.join(outDir, m[0]) }))
    .sort((a, b) => a.page - b.page);
}

/** Every QR code zbarimg reads in one image (usually one); [] when it reads none. */
export async function decodeQr(png: string): Promise<string[]> {
  requirePdfTools(['zbarimg']);
  try {
    const { stdout } = await run('zbarimg', ['--raw', '-q', png], { maxBuffer: 1024 * 1024 });
    return stdout.split('\n').filter((l) => l !== '');
  } catch (err) {
    // Exit status 4: no symbol found.
    if ((err as { code?: number }).code === 4) return [];
    throw err;
  }
}

/** Renders the PDF and decodes every page, `concurrency` zbarimg processes at a time. Index i holds page i+1's codes. */
export async function decodePdfQrCodes(pdf: string, workDir: string, opts: { dpi?: number; concurrency?: number } = {}): Promise<string[][]> {
  requirePdfTools();
  const pages = await renderPdfPages(pdf, workDir, opts.dpi ?? 150);
  const out: string[][] = new Array(pages.length);
  let next = 0;
  const worker = async () => {
    while (next < pages.length) {
      const i = next++;
      out[i] = await decodeQr(pages[i]!.png);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 2) }, worker));
  return out;
}

/** The text pdftotext (poppler) extracts from one page. */
export async function pdfPageText(pdf: string, page: number): Promise<string> {
  requirePdfTools(['pdftotext']);
  const { stdout } = await run('pdftotext', ['-f', String(page), '-l', String(page), '-layout', pdf, '-'], { maxBuffer: 4 * 1024 * 1024 });
  return stdout;
}
