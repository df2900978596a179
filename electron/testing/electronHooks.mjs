// Module resolution hook for electronLoader.mjs: 'electron' → the fake (resolved
// on down the chain, so tsx's hooks load it as TypeScript).
export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return next(new URL('./fakeElectronModule.ts', import.meta.url).href, context);
  return next(specifier, context);
}
