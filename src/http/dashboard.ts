import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * Serves the dashboard (web/, built by `npm run build` into web/dist) from the API's own server.
 * Hashed files under /assets/ are cached for a year and sent pre-compressed when the browser
 * accepts it; index.html is answered for each client route
 * and is never cached, so a new build is picked up on the next navigation. Only the paths below
 * fall back to the app: /v1/*, /healthz and every other unknown path keep their JSON answers.
 */

/** The dashboard's client routes (web/src/app.tsx); `*` covers the pages under /settings. */
export const DASHBOARD_ROUTES = ['/', '/login', '/invitations/accept', '/embed', '/settings', '/settings/*'];

export interface DashboardOptions {
  /** The built app (default: web/dist next to src/ or dist/). */
  dir?: string;
  /** CSP frame-ancestors of /embed: who may put the viewer in an iframe. */
  embedFrameAncestors: string;
}

export function defaultDashboardDir(): string {
  // src/http/ (tsx) and dist/http/ (compiled) are both two levels below the package root.
  return fileURLToPath(new URL('../../web/dist/', import.meta.url));
}

function contentSecurityPolicy(frameAncestors: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors}`,
  ].join('; ');
}

function htmlHeaders(reply: FastifyReply, embed: boolean, options: DashboardOptions): FastifyReply {
  reply
    .header('content-security-policy', contentSecurityPolicy(embed ? options.embedFrameAncestors : "'none'"))
    .header('x-content-type-options', 'nosniff')
    // The viewer's URL carries its token until the page moves it out: never send it onwards.
    .header('referrer-policy', embed ? 'no-referrer' : 'same-origin')
    .header('cache-control', 'no-cache');
  if (!embed) reply.header('x-frame-options', 'DENY');
  return reply;
}

export async function dashboardRoutes(app: FastifyInstance, options: DashboardOptions): Promise<void> {
  const dir = options.dir ?? defaultDashboardDir();
  const built = existsSync(join(dir, 'index.html'));

  if (built) {
    await app.register(fastifyStatic, {
      root: join(dir, 'assets'),
      prefix: '/assets/',
      index: false,
      maxAge: '365d',
      immutable: true,
      // web/vite.config.ts writes .br and .gz beside each text asset.
      preCompressed: true,
      schemaHide: true,
    });
  }

  for (const route of DASHBOARD_ROUTES) {
    app.get(route, { schema: { hide: true } }, (request, reply) => {
      const embed = request.url === '/embed' || request.url.startsWith('/embed?');
      htmlHeaders(reply, embed, options);
      if (!built) {
        return reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .send('The dashboard is not built. Run `npm run build` (npm install does it), then restart.\n');
      }
      return reply.sendFile('index.html', dir, { cacheControl: false });
    });
  }
}
