// The browser harness shared by the report's browser test and
// scripts/report-screenshot: Debian's headless Chromium (/usr/bin/chromium)
// driven by playwright-core, which downloads no browser. A fresh
// user-data-dir per launch; without the background-networking flags
// Chromium's own connections are refused by a closed network and logged.
import { chromium } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = process.env.RELMAN_CHROMIUM || '/usr/bin/chromium';

export const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches Chromium with a fresh profile; `close()` removes the profile. */
export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'relman-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1600, height: 1000 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Opens `file` (a path) in a new page with the default navigation
 * timeout; returns the page and what went wrong on it so far: console
 * errors, page errors, and every request that is not for a file: URL.
 */
export async function open(context, file) {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`);
  });
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, problems };
}

/** Runs relman; returns stdout. Exit statuses in `ok` are success. */
export function relman(bin, args, ok = [0]) {
  const run = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.error) throw run.error;
  if (!ok.includes(run.status)) {
    throw new Error(`relman ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  }
  return run.stdout;
}

/** The bundled example's schedule and history, relative to the repository. */
export const BUNDLED = {
  schedule: 'examples/data/schedule.json',
  history: 'examples/data/history.json',
};

/**
 * Writes the bundled report (the one docs/report.png shows) to `out`:
 * the bundled schedule and history, times and weeks in Europe/Berlin.
 */
export function renderBundled(bin, root, out) {
  relman(bin, [
    'report', join(root, BUNDLED.schedule),
    '--history', join(root, BUNDLED.history),
    '--time-zone', 'Europe/Berlin',
    '--title', 'relman example: change calendar and delivery KPIs',
    '--out', out,
  ]);
}
