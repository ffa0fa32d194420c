import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * Writes .br and .gz next to each text asset, once at build time: the server sends them as they
 * are (@fastify/static `preCompressed`), so it never compresses on a request.
 */
function precompress(): Plugin {
  return {
    name: 'trailmark-precompress',
    apply: 'build',
    writeBundle(options) {
      const dir = join(options.dir ?? join(here, 'dist'), 'assets');
      for (const name of readdirSync(dir)) {
        if (!/\.(js|css|svg)$/.test(name)) continue;
        const path = join(dir, name);
        if (statSync(path).size < 1024) continue;
        const body = readFileSync(path);
        writeFileSync(`${path}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } }));
        writeFileSync(`${path}.gz`, gzipSync(body, { level: 9 }));
      }
    },
  };
}

/**
 * The dashboard bundle. `npm run build` writes it to web/dist, which the Trailmark server serves
 * at `/` (src/http/dashboard.ts). In development (`npm run dev:web`) the Vite server proxies the
 * API to a Trailmark server on TRAILMARK_DEV_API (default http://127.0.0.1:3000).
 */
export default defineConfig({
  root: here,
  base: '/',
  plugins: [react(), precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: true,
    target: 'es2022',
  },
  server: {
    host: '127.0.0.1',
    // Outside web/, the dashboard is built from the server's shared contracts only.
    fs: { allow: [here, join(here, '../src/contracts'), join(here, '../node_modules')] },
    proxy: {
      '/v1': process.env.TRAILMARK_DEV_API ?? 'http://127.0.0.1:3000',
    },
  },
});
