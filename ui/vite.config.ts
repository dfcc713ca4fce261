import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console's build: ui/ -> ui/dist, served by the host at /ui (src/api/ui-routes.ts). Preact's
// automatic JSX runtime; no dev server is needed (the host serves the build), `npm run build:ui`
// rebuilds it and the launcher does so when ui/ changed.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The host's Content-Security-Policy allows no inline script: keep the module-preload polyfill out.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
