/**
 * Printing a PDF the console fetched (an enrollment sheet) and saving it.
 *
 * In a browser the PDF goes into a hidden frame on a blob: URL (the console's
 * CSP allows `frame-src blob:` for this) and that frame's print() opens the
 * system print dialog with the PDF itself — not the console page.
 *
 * The desktop app's window has no PDF viewer (Electron's `plugins` is off)
 * and its bridge prints only the current page, so there the sheet is saved
 * through the system save dialog and printed from the PDF viewer: see
 * `canPrintPdfHere`.
 */
import { isDesktop } from './desktop';

/** Whether this console can print a PDF in place (a browser) or must save it first (the desktop app). */
export function canPrintPdfHere(): boolean {
  return !isDesktop();
}

const FRAME_ID = 'tessera-print-frame';

/**
 * Loads the PDF into a hidden frame and opens the print dialog for it.
 * Resolves once the dialog was asked for; the frame and its blob: URL stay
 * until `releasePrintFrame` (the dialog may still be reading the document).
 */
export function printPdf(pdf: Blob, timeoutMs = 15_000): Promise<void> {
  releasePrintFrame();
  const url = URL.createObjectURL(pdf);
  const frame = document.createElement('iframe');
  frame.id = FRAME_ID;
  frame.title = 'Enrollment sheet for printing';
  frame.className = 'print-frame';
  frame.setAttribute('aria-hidden', 'true');
  frame.tabIndex = -1;
  frame.dataset.url = url;
  return new Promise((resolve, reject) => {
    const timer = window.setTimeout(() => reject(new Error('The PDF did not load for printing; use Download PDF instead')), timeoutMs);
    frame.addEventListener(
      'load',
      () => {
        window.clearTimeout(timer);
        try {
          frame.contentWindow?.focus();
          frame.contentWindow?.print();
          resolve();
        } catch {
          reject(new Error('This browser cannot print the PDF from the page; use Download PDF and print it from your PDF viewer'));
        }
      },
      { once: true },
    );
    frame.src = url;
    document.body.appendChild(frame);
  });
}

/** Removes the print frame and frees its PDF (the secret it holds goes with it). */
export function releasePrintFrame(): void {
  const old = document.getElementById(FRAME_ID) as HTMLIFrameElement | null;
  if (!old) return;
  const url = old.dataset.url;
  old.remove();
  if (url) URL.revokeObjectURL(url);
}
