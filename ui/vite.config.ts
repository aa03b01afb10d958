// The dashboard's build: ui/ → dist/ui, served by the server under /_s3batch/ui/ (see
// src/dashboard/static-files.ts). Everything is bundled: the pages load nothing from elsewhere.
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/_s3batch/ui/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: here('../dist/ui'),
    emptyOutDir: true,
    // No asset becomes a data: URL inside the scripts; the CSP allows data: for images only.
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
});
