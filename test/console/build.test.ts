import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConsole } from '../../console/build.js';

let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'console-build-'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

describe('buildConsole', () => {
  it('writes index.html pointing at content-hashed assets, with no inline script or style', async () => {
    const outDir = join(workDir, 'console');
    const built = await buildConsole({ outDir });
    expect(built.script).toMatch(/^assets\/app-[A-Z0-9]{8}\.js$/);
    expect(built.stylesheet).toMatch(/^assets\/style-[A-Z0-9]{8}\.css$/);
    expect(built.icon).toMatch(/^assets\/favicon-[0-9a-f]{12}\.svg$/);

    const html = await readFile(join(outDir, 'index.html'), 'utf8');
    expect(html).toContain(`<script type="module" src="${built.script}"></script>`);
    // The template is Prettier-formatted: the link may close with " />".
    expect(html).toMatch(new RegExp(`<link rel="stylesheet" href="${built.stylesheet}"( /)?>`));
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/https?:\/\//);

    const assets = await readdir(join(outDir, 'assets'));
    expect(assets).toEqual(
      expect.arrayContaining([built.script.slice(7), built.stylesheet.slice(7), built.icon.slice(7)]),
    );
    const script = await readFile(join(outDir, built.script), 'utf8');
    expect(script).not.toContain('innerHTML');
  });

  it('replaces an earlier build entirely, so that no stale assets remain', async () => {
    const outDir = join(workDir, 'again');
    await mkdir(join(outDir, 'assets'), { recursive: true });
    await writeFile(join(outDir, 'assets', 'app-OLDOLDOL.js'), '');
    await buildConsole({ outDir });
    expect(await readdir(join(outDir, 'assets'))).not.toContain('app-OLDOLDOL.js');
    expect((await readdir(workDir)).filter((name) => name.includes('.building-') || name.includes('.old-'))).toEqual(
      [],
    );
  });

  it('names assets by their content: the same sources give the same names', async () => {
    const a = await buildConsole({ outDir: join(workDir, 'a') });
    const b = await buildConsole({ outDir: join(workDir, 'b') });
    expect([a.script, a.stylesheet, a.icon]).toEqual([b.script, b.stylesheet, b.icon]);
  });
});
