import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { createLogger } from '../../src/core/logger.js';
import { notFound, problemHandler } from '../../src/middleware/problems.js';
import { CONSOLE_CONTENT_SECURITY_POLICY, consoleRouter } from '../../src/routes/console.js';

const quiet = createLogger({
  level: 'silent',
  adapters: [],
  destination: new Writable({ write: (_chunk, _enc, done) => done() }),
});

function appFor(dir: string) {
  const app = express();
  app.use(consoleRouter(dir));
  app.use(notFound);
  app.use(problemHandler(quiet, new Set()));
  return app;
}

let built: string;
let missing: string;

beforeAll(async () => {
  built = await mkdtemp(join(tmpdir(), 'console-route-'));
  await mkdir(join(built, 'assets'));
  await writeFile(
    join(built, 'index.html'),
    '<!doctype html><title>console</title><script type="module" src="assets/app-ABC123.js"></script>',
  );
  await writeFile(join(built, 'assets', 'app-ABC123.js'), 'export {};\n');
  await writeFile(join(built, 'assets', 'style-DEF456.css'), 'body{}\n');
  missing = await mkdtemp(join(tmpdir(), 'console-route-empty-'));
});

afterAll(async () => {
  await rm(built, { recursive: true, force: true });
  await rm(missing, { recursive: true, force: true });
});

describe('consoleRouter', () => {
  it('serves the page at /console/, revalidated on every load, under a strict CSP', async () => {
    const res = await request(appFor(built)).get('/console/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toBe(CONSOLE_CONTENT_SECURITY_POLICY);
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.text).toContain('assets/app-ABC123.js');
  });

  it('answers a revalidation of the page with 304', async () => {
    const app = appFor(built);
    const first = await request(app).get('/console/');
    const again = await request(app).get('/console/').set('If-None-Match', String(first.headers.etag));
    expect(again.status).toBe(304);
  });

  it('serves hashed assets as immutable for a year', async () => {
    const res = await request(appFor(built)).get('/console/assets/app-ABC123.js');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const css = await request(appFor(built)).get('/console/assets/style-DEF456.css');
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });

  it('answers a missing asset with the not-found problem, not cached', async () => {
    const res = await request(appFor(built)).get('/console/assets/app-OLD.js');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect((res.body as { type?: string }).type).toBe('/problems/not-found');
  });

  it('redirects / and /console to /console/, keeping a deep link’s query', async () => {
    const root = await request(appFor(built)).get('/');
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/console/');
    const bare = await request(appFor(built)).get('/console?provider=tango&id=zanzibar-health');
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe('/console/?provider=tango&id=zanzibar-health');
  });

  it('refuses other methods with 405 and Allow', async () => {
    const res = await request(appFor(built)).post('/console/');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  it('says how to build the console when it has not been built', async () => {
    const res = await request(appFor(missing)).get('/console/');
    expect(res.status).toBe(404);
    expect((res.body as { detail?: string }).detail).toBe(
      'The support console has not been built: run npm run build:console.',
    );
    expect(res.headers['cache-control']).toBe('no-store');
  });
});
