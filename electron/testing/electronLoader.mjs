// node --import tsx --import ./electron/testing/electronLoader.mjs dist-electron/main.js
// Makes `import … from 'electron'` load the fake (fakeElectronModule.ts): the
// bundle smoke test runs the built main process under plain Node.
import { register } from 'node:module';

register('./electronHooks.mjs', import.meta.url);
