/**
 * What Mantine needs from a browser that happy-dom leaves out. Imported by
 * the renderer's component tests only (through render.tsx), never by the
 * global Vitest setup: server tests run in Node without a DOM.
 */

if (typeof window.matchMedia !== 'function') {
  window.matchMedia = (query: string): MediaQueryList =>
    ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => {},
      removeListener: () => {},
      addEventListener: () => {},
      removeEventListener: () => {},
      dispatchEvent: () => false,
    }) as MediaQueryList;
}

if (typeof window.ResizeObserver !== 'function') {
  window.ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
}

// Mantine's ScrollArea and Combobox scroll options into view; happy-dom has no layout.
if (typeof Element.prototype.scrollIntoView !== 'function') Element.prototype.scrollIntoView = () => {};

// happy-dom has no layout: an element is as big as its inline style says (0 otherwise), so
// virtualised lists (@tanstack/react-virtual reads clientWidth/clientHeight) render their rows.
for (const [prop, css] of [
  ['clientHeight', 'height'],
  ['clientWidth', 'width'],
] as const) {
  Object.defineProperty(HTMLElement.prototype, prop, {
    configurable: true,
    get(this: HTMLElement) {
      return Number.parseFloat(this.style[css]) || 0;
    },
  });
}

// Mantine's autosize Textarea listens for web fonts loading.
if (!('fonts' in document)) Object.defineProperty(document, 'fonts', { value: new EventTarget(), configurable: true });

export {};
