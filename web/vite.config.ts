import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * The dashboard bundle. `npm run build` writes it to web/dist, which the Trailmark server serves
 * at `/` (src/http/dashboard.ts). In development (`npm run dev:web`) the Vite server proxies the
 * API to a Trailmark server on TRAILMARK_DEV_API (default http://127.0.0.1:3000).
 */
export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: true,
    target: 'es2022',
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/v1': process.env.TRAILMARK_DEV_API ?? 'http://127.0.0.1:3000',
    },
  },
});
