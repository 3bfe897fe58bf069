// node screenshot.mjs RELMAN ROOT OUT.png: renders the bundled report with
// RELMAN (harness.mjs, renderBundled) and saves a full-page screenshot at
// 1600 px wide; exit 1 on a console error or a network request.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { launch, open, renderBundled } from './harness.mjs';

const [bin, root, out] = process.argv.slice(2).map((p) => resolve(p));
const html = join(root, 'target', 'browser', 'report.html');
mkdirSync(dirname(html), { recursive: true });
renderBundled(bin, root, html);
const browser = await launch();
try {
  const { page, problems } = await open(browser.context, html);
  await page.screenshot({ path: out, fullPage: true });
  if (problems.length) {
    console.error(problems.join('\n'));
    process.exitCode = 1;
  }
} finally {
  await browser.close();
}
