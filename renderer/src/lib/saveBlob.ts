/**
 * Hands a file held in memory to the browser as a download under `fileName`
 * (the desktop app asks where with the system save dialog).
 */
export function saveBlob(blob: Blob, fileName: string): void {
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Give the download a moment to start before the URL goes; it has its own copy then.
  window.setTimeout(() => URL.revokeObjectURL(href), 60_000);
}
