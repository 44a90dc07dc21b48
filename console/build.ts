/**
 * Builds the support console into `dist/console/`: the page's TypeScript and stylesheet bundled by esbuild
 * with content-hashed names (`assets/app-[hash].js`, `assets/style-[hash].css`), and `index.html` rewritten
 * to point at them. Hashed names let the gateway serve assets as immutable for a year while `index.html`
 * itself is revalidated on every load.
 *
 *   tsx console/build.ts [outDir]
 *
 * The build writes into a fresh folder beside the target and swaps it in at the end, so a running gateway
 * never serves a half-written console and no assets of older builds pile up.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';
import { build } from 'esbuild';

const consoleDir = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_CONSOLE_OUT_DIR = resolve(consoleDir, '..', 'dist', 'console');

export interface BuildConsoleOptions {
  /** Where the built console goes; `dist/console` by default. */
  outDir?: string;
  minify?: boolean;
}

export interface ConsoleBuild {
  outDir: string;
  /** Asset paths relative to `outDir`. */
  script: string;
  stylesheet: string;
  icon: string;
}

export async function buildConsole(options: BuildConsoleOptions = {}): Promise<ConsoleBuild> {
  const outDir = resolve(options.outDir ?? DEFAULT_CONSOLE_OUT_DIR);
  const staging = `${outDir}.building-${process.pid}-${Date.now()}`;
  const assets = join(staging, 'assets');
  await mkdir(assets, { recursive: true });
  try {
    const scriptEntry = join(consoleDir, 'src', 'main.ts');
    const styleEntry = join(consoleDir, 'style.css');
    const result = await build({
      entryPoints: { app: scriptEntry, style: styleEntry },
      outdir: assets,
      entryNames: '[name]-[hash]',
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2020',
      minify: options.minify ?? true,
      sourcemap: 'linked',
      legalComments: 'none',
      charset: 'utf8',
      metafile: true,
      write: true,
      logLevel: 'silent',
    });

    const outputFor = (entry: string): string => {
      const found = Object.entries(result.metafile.outputs).find(
        ([file, output]) =>
          !file.endsWith('.map') && output.entryPoint !== undefined && resolve(output.entryPoint) === entry,
      );
      if (!found) throw new Error(`console build: esbuild wrote no output for ${relative(consoleDir, entry)}`);
      return `assets/${basename(found[0])}`;
    };
    const script = outputFor(scriptEntry);
    const stylesheet = outputFor(styleEntry);

    const iconSource = await readFile(join(consoleDir, 'favicon.svg'));
    const icon = `assets/favicon-${createHash('sha256').update(iconSource).digest('hex').slice(0, 12)}.svg`;
    await writeFile(join(staging, icon), iconSource);

    const template = await readFile(join(consoleDir, 'index.html'), 'utf8');
    const html = [
      ['src="src/main.ts"', `src="${script}"`],
      ['href="style.css"', `href="${stylesheet}"`],
      ['href="favicon.svg"', `href="${icon}"`],
    ].reduce((page, [from = '', to = '']) => {
      if (page.split(from).length !== 2) throw new Error(`console build: index.html must contain ${from} exactly once`);
      return page.replace(from, to);
    }, template);
    await writeFile(join(staging, 'index.html'), html);

    await swapIn(staging, outDir);
    return { outDir, script, stylesheet, icon };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Replaces `target` by `staging` with renames only, so that readers see the old or the new build. */
async function swapIn(staging: string, target: string): Promise<void> {
  const retired = `${target}.old-${process.pid}-${Date.now()}`;
  let hadTarget = true;
  try {
    await rename(target, retired);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    hadTarget = false;
  }
  await rename(staging, target);
  if (hadTarget) await rm(retired, { recursive: true, force: true });
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return (
      pathToFileURL(realpathSync(script)).href === pathToFileURL(realpathSync(fileURLToPath(import.meta.url))).href
    );
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const outDir = process.argv[2];
  buildConsole(outDir ? { outDir } : {}).then(
    (built) => {
      process.stdout.write(
        `console built in ${relative(process.cwd(), built.outDir) || '.'}: ${built.script}, ${built.stylesheet}\n`,
      );
    },
    (error: unknown) => {
      const failures = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] })
        .errors;
      const lines = failures?.map((f) =>
        f.location ? `${f.location.file}:${f.location.line}: ${f.text}` : f.text,
      ) ?? [error instanceof Error ? error.message : String(error)];
      process.stderr.write(`console build failed:\n${lines.join('\n')}\n`);
      process.exit(1);
    },
  );
}
