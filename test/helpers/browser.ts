/**
 * The browser the report tests open reports in, obtained without a system package: Debian's
 * Chromium when it is installed, else the Chromium build shipped inside the npm package
 * @sparticuz/chromium (a headless shell, brotli-compressed in the tarball), unpacked once into
 * ${AUTOSEG_CACHE:-$HOME/.cache/autoseg}/chromium-<version>, outside the checkout, like the
 * Temporal CLI and Trino. Nothing is downloaded at run time: the npm install brought it.
 *
 * AUTOSEG_CHROMIUM picks one: a path (that browser), or `npm` (the packaged one even where
 * Debian's is installed).
 *
 * Fonts: the report's charts are laid out for Liberation Sans / Arial metrics (src/report/textWidth.ts).
 * Either browser is given a fontconfig file that puts Arimo first for those names, shipped as
 * TTFs by the npm package @expo-google-fonts/arimo (metric-compatible with both, the font
 * Liberation Sans 2 is made from), then the system's fonts, so the page draws with the metrics
 * the layout assumed whether or not Debian's fonts-liberation is installed.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const PACKAGE = '@sparticuz/chromium';
const FONT_PACKAGE = '@expo-google-fonts/arimo';

export interface Browser {
  /** `debian`, `npm` (@sparticuz/chromium <version>) or the path given in AUTOSEG_CHROMIUM. */
  source: string;
  executablePath: string;
  /** Variables the browser process needs on top of the test's own environment. */
  env: Record<string, string>;
}

export function cacheDir(): string {
  return process.env.AUTOSEG_CACHE || join(homedir(), '.cache', 'autoseg');
}

/** The browser to use, unpacking the npm one first if it is needed and not cached yet. */
export async function browser(): Promise<Browser> {
  const choice = process.env.AUTOSEG_CHROMIUM;
  if (choice === 'npm') return npmChromium();
  if (choice) {
    if (!existsSync(choice)) throw new Error(`AUTOSEG_CHROMIUM=${choice} does not exist (unset it to use ${DEBIAN_CHROMIUM} or the npm package's Chromium)`);
    return { source: choice, executablePath: choice, env: {} };
  }
  if (existsSync(DEBIAN_CHROMIUM)) return { source: 'debian', executablePath: DEBIAN_CHROMIUM, env: {} };
  return npmChromium();
}

function packageRoot(name: string, main: string): string {
  // Neither package exports its package.json; walk up from a file it does export.
  let dir = dirname(require.resolve(main));
  while (!existsSync(join(dir, 'package.json')) || (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name !== name) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the root of ${name}`);
    dir = up;
  }
  return dir;
}

/** @sparticuz/chromium's binary, its SwiftShader libraries and its NSS/expat libraries, unpacked once. */
async function npmChromium(): Promise<Browser> {
  const root = packageRoot(PACKAGE, PACKAGE);
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const bin = join(root, 'bin');
  if (!existsSync(join(bin, 'chromium.br'))) throw new Error(`${bin}/chromium.br not found: ${PACKAGE} ships an x86-64 Linux build only (this is ${process.platform}/${process.arch})`);
  const dir = join(cacheDir(), `chromium-${version}`);
  if (!existsSync(dir)) await unpack(bin, dir, version);
  // Its own NSS, NSPR and expat (built for Amazon Linux 2023; glibc 2.34+), so the host needs none.
  return { source: `npm (${PACKAGE} ${version})`, executablePath: join(dir, 'chromium'), env: { LD_LIBRARY_PATH: [join(dir, 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') } };
}

async function unpack(bin: string, dir: string, version: string): Promise<void> {
  const t0 = performance.now();
  const tmp = `${dir}.tmp.${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    await pipeline(createReadStream(join(bin, 'chromium.br')), createBrotliDecompress(), createWriteStream(join(tmp, 'chromium'), { mode: 0o755 }));
    await untar(join(bin, 'swiftshader.tar.br'), tmp); // libEGL / libGLESv2, loaded from beside the binary
    await untar(join(bin, 'al2023.tar.br'), tmp); // lib/: libnss3, libnspr4, libexpat...
    try {
      renameSync(tmp, dir);
    } catch (e) {
      if (!existsSync(dir)) throw e; // else another test process unpacked it meanwhile: keep theirs
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`[browser] unpacked ${PACKAGE} ${version} into ${dir} in ${((performance.now() - t0) / 1000).toFixed(1)} s (once)`);
}

/** A brotli-compressed tar: Node's brotli to a plain tar, then Debian's tar (an essential package). */
async function untar(file: string, into: string): Promise<void> {
  const plain = join(into, 'unpacking.tar');
  await pipeline(createReadStream(file), createBrotliDecompress(), createWriteStream(plain));
  const code = await new Promise<number | null>((res, rej) => {
    const tar = spawn('tar', ['-x', '-f', plain, '-C', into], { stdio: ['ignore', 'inherit', 'inherit'] });
    tar.once('error', rej);
    tar.once('close', res);
  });
  rmSync(plain);
  if (code !== 0) throw new Error(`tar -x of ${file} exited with ${code}`);
}

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Writes a fontconfig file into `dir` (the browser's temp profile) and returns the variable that
 * points the browser at it: Arimo (from npm) first for Liberation Sans, Arial, Helvetica and
 * sans-serif, then the system's configuration and fonts for anything else.
 */
export function fontEnv(dir: string): Record<string, string> {
  const fonts = packageRoot(FONT_PACKAGE, `${FONT_PACKAGE}/400Regular`);
  const prefer = ['Liberation Sans', 'Arial', 'Helvetica', 'sans-serif'].map((f) => `  <alias binding="same"><family>${f}</family><prefer><family>Arimo</family></prefer></alias>`).join('\n');
  const conf = join(dir, 'fonts.conf');
  writeFileSync(
    conf,
    `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>${xml(fonts)}</dir>
  <cachedir>${xml(join(cacheDir(), 'fontconfig'))}</cachedir>
${prefer}
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
</fontconfig>
`,
  );
  return { FONTCONFIG_FILE: conf };
}
