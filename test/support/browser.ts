import fs from 'node:fs';
import path from 'node:path';

/** A Chromium for playwright-core to launch: where it is, the flags it needs, and where it came from. */
export interface FoundBrowser {
  executablePath: string;
  args: string[];
  source: 'ASSAY_TEST_BROWSER' | 'installed' | 'bundled';
}

/** The machine may be offline: without the background-networking flags Chromium stalls on its own requests. */
const OFFLINE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Installed browsers, by the names distributions and Google give them. */
const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
const MAC_APPS = ['/Applications/Chromium.app/Contents/MacOS/Chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'];

function installedBrowser(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/bin', '/usr/local/bin', '/snap/bin'];
  const candidates = [...dirs.flatMap((dir) => NAMES.map((name) => path.join(dir, name))), ...MAC_APPS];
  return candidates.find((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * The Chromium inside the `@sparticuz/chromium` devDependency: a headless shell with the libraries it needs, unpacked
 * from the package (brotli) into the temporary directory on first use; no system packages and no download.
 */
async function bundledBrowser(): Promise<FoundBrowser> {
  const { default: chromium } = await import('@sparticuz/chromium');
  // The IDE needs no WebGL; without it Chromium skips the SwiftShader GL stack.
  chromium.setGraphicsMode = false;
  // --single-process is for Lambda's sandbox; here it hangs the second browser context a test opens.
  const args = chromium.args.filter((arg) => arg !== '--single-process');
  return { executablePath: await chromium.executablePath(), args: [...args, ...OFFLINE_ARGS], source: 'bundled' };
}

/**
 * Finds the browser the IDE test drives. `ASSAY_TEST_BROWSER` chooses: `bundled` (the npm package's Chromium, even
 * where one is installed), `installed` (fail rather than fall back), or a path to an executable. Unset: an installed
 * Chromium or Chrome, else the bundled one, so `npm install && npm test` needs no other install step.
 */
export async function findBrowser(choice = process.env.ASSAY_TEST_BROWSER): Promise<FoundBrowser> {
  if (choice === 'bundled') return bundledBrowser();
  if (choice && choice !== 'installed') {
    if (!fs.existsSync(choice)) throw new Error(`ASSAY_TEST_BROWSER is ${choice}, which does not exist`);
    return { executablePath: choice, args: OFFLINE_ARGS, source: 'ASSAY_TEST_BROWSER' };
  }
  const installed = installedBrowser();
  if (installed) return { executablePath: installed, args: OFFLINE_ARGS, source: 'installed' };
  if (choice === 'installed') throw new Error(`ASSAY_TEST_BROWSER=installed, but none of ${NAMES.join(', ')} is installed`);
  return bundledBrowser();
}
