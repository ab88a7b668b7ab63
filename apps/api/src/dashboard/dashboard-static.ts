import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Where `npm run build` writes the dashboard: dist/dashboard, beside dist/apps. The sources run
 * uncompiled (the in-process tests, as ES modules) have no __dirname: there it is found from the
 * working directory, the repository's root.
 */
export const DASHBOARD_DIR = typeof __dirname === 'undefined' ? resolve('dist', 'dashboard') : join(__dirname, '..', '..', '..', '..', 'dashboard');

/**
 * The page may load its own scripts and styles and talk to this server only; ECharts sets inline
 * styles on the elements it draws, hence 'unsafe-inline' for styles (never for scripts).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/**
 * Serves the analysts' dashboard at /dashboard/ from the same process as the API. The page calls
 * only the public API with the key it holds; the files themselves need no key. Returns false when
 * the dashboard was not built (only `nest build` ran), so the API still starts.
 */
export async function serveDashboard(app: NestFastifyApplication, root = DASHBOARD_DIR): Promise<boolean> {
  if (!existsSync(join(root, 'index.html'))) return false;
  await app.register(fastifyStatic, {
    root,
    prefix: '/dashboard/',
    decorateReply: false,
    redirect: true,
    index: ['index.html'],
    // Hashed asset names never change; index.html is asked again each time so a new build shows.
    setHeaders: (reply, path) => {
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      reply.header('cache-control', path.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
    },
  });
  // `/dashboard` without the slash: the page's relative asset paths need the folder form.
  app.getHttpAdapter().getInstance().get('/dashboard', (_request, reply) => reply.redirect('/dashboard/', 301));
  return true;
}
