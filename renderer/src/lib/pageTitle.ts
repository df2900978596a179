import { useEffect } from 'react';

/** "Users — Tessera": what the browser tab, history and screen readers call the page ("Sign in to Tessera" names it already). */
export function pageTitle(name: string | undefined): string {
  if (!name) return 'Tessera';
  return /\bTessera\b/.test(name) ? name : `${name} — Tessera`;
}

/** Sets document.title for as long as the page is shown (PageHeader and the signed-out pages call it). */
export function usePageTitle(name: string | undefined): void {
  useEffect(() => {
    document.title = pageTitle(name);
  }, [name]);
}
