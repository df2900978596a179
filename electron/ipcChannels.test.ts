import { describe, expect, it } from 'vitest';
import { IPC, isTrustedSender } from './ipcChannels';

const ORIGIN = 'http://localhost:43210';

describe('IPC channels', () => {
  it('one named channel per preload function that needs the main process', () => {
    expect(Object.keys(IPC).sort()).toEqual(['openDataFolder', 'print']);
    for (const c of Object.values(IPC)) expect(c).toMatch(/^tessera:[a-z-]+$/);
  });
});

describe('isTrustedSender', () => {
  it('accepts the console top frame, on any of its pages', () => {
    expect(isTrustedSender({ url: `${ORIGIN}/`, parent: null }, ORIGIN)).toBe(true);
    expect(isTrustedSender({ url: `${ORIGIN}/users/alice?x=1#y`, parent: null }, ORIGIN)).toBe(true);
  });

  it.each([
    ['a frame already gone', null],
    ['no frame', undefined],
    ['an iframe of the console', { url: `${ORIGIN}/`, parent: { url: `${ORIGIN}/` } }],
    ['a foreign frame', { url: 'https://evil.example/', parent: null }],
    ['a foreign iframe', { url: 'https://evil.example/', parent: { url: `${ORIGIN}/` } }],
    ['another port', { url: 'http://localhost:1/', parent: null }],
    ['127.0.0.1', { url: 'http://127.0.0.1:43210/', parent: null }],
    ['https', { url: 'https://localhost:43210/', parent: null }],
    ['credentials', { url: 'http://a:b@localhost:43210/', parent: null }],
    ['file:', { url: 'file:///tmp/x.html', parent: null }],
    ['data:', { url: 'data:text/html,x', parent: null }],
    ['about:blank', { url: 'about:blank', parent: null }],
    ['garbage', { url: 'nope', parent: null }],
  ])('refuses %s', (_name, frame) => {
    expect(isTrustedSender(frame, ORIGIN)).toBe(false);
  });
});
