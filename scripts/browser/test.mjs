// The report's browser test (issue #28): relman's HTML report opened in
// Debian's headless Chromium through playwright-core. Counts come from
// relman's own JSON (the schedule, `relman conflicts --format json`,
// `relman report --format json`), never written here. Prints
// `browser: N passed, M failed`; a full-page screenshot of the bundled
// report goes to target/report.png.
//
//   node scripts/browser/test.mjs RELMAN ROOT
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUNDLED, launch, open, relman, renderBundled } from './harness.mjs';

const [bin, root] = process.argv.slice(2).map((p) => resolve(p));
const work = join(root, 'target', 'browser');
mkdirSync(work, { recursive: true });

const results = [];
async function test(name, body) {
  const t0 = Date.now();
  try {
    await body();
    results.push([name, null]);
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push([name, e]);
    console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
  }
}
function equal(actual, expected, what) {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new Error(`${what}: got ${a}, expected ${b}`);
}
function check(cond, what) {
  if (!cond) throw new Error(what);
}

/** What relman says the page must show for `schedulePath`. */
function expected(schedulePath) {
  const schedule = JSON.parse(readFileSync(schedulePath, 'utf8'));
  const found = JSON.parse(relman(bin, ['conflicts', schedulePath, '--format', 'json'], [0, 1]));
  const parent = new Map();
  for (const r of schedule.releases ?? []) for (const c of r.changes ?? []) parent.set(c.id, r.id);
  const windowed = (x) => x.planned_start && x.planned_end;
  return {
    releases: (schedule.releases ?? []).filter(windowed).map((r) => r.id).sort(),
    changes: (schedule.changes ?? []).filter(windowed).map((c) => c.id).sort(),
    conflicts: found.conflicts.length,
    marks: found.conflicts.filter((c) => c.window).length,
    hot: [...new Set(found.conflicts.flatMap((c) => c.items.map((i) => parent.get(i) ?? i)))].sort(),
  };
}

/** What the page shows: distinct bar ids, conflict rows and marks. */
async function shown(page) {
  return page.evaluate(() => {
    const ids = (sel) => [...new Set([...document.querySelectorAll(sel)].map((e) => e.dataset.id))].sort();
    return {
      releases: ids('g.r'),
      changes: ids('g.c'),
      conflicts: document.querySelectorAll('table.conf tbody tr').length,
      marks: document.querySelectorAll('a.cm').length,
      hot: ids('g.x'),
      scripts: document.scripts.length,
      weeks: document.querySelectorAll('section.wk').length,
    };
  });
}

const browser = await launch();
try {
  await test('the bundled report: no console error or request, bars and conflict marks as relman counts them, named charts', async () => {
    const html = join(work, 'report.html');
    renderBundled(bin, root, html);
    const meta = JSON.parse(relman(bin, [
      'report', join(root, BUNDLED.schedule), '--history', join(root, BUNDLED.history),
      '--time-zone', 'Europe/Berlin', '--format', 'json',
    ]));
    const want = expected(join(root, BUNDLED.schedule));
    const { page, problems } = await open(browser.context, html);
    const got = await shown(page);
    equal(problems, [], 'problems');
    equal(got.releases, want.releases, 'release bars');
    equal(got.changes, want.changes, 'change bars');
    equal(got.conflicts, want.conflicts, 'conflict table rows');
    equal(got.marks, want.marks, 'conflict marks');
    equal(got.hot, want.hot, 'highlighted items');
    equal(got.scripts, 0, 'scripts');
    equal(got.weeks, meta.weeks, 'weeks');
    for (const name of [
      'Deployment frequency',
      'Lead time for changes',
      'Change failure rate',
      'Failed deployment recovery time',
    ]) {
      equal(await page.getByRole('img', { name, exact: true }).count(), 1, `chart "${name}"`);
    }
    equal(
      await page.getByRole('img', { name: /^Change calendar, week of / }).count(),
      meta.weeks,
      'week timelines by accessible name',
    );
    equal(await page.getByRole('table', { name: /Conflicts/ }).count(), want.conflicts ? 1 : 0, 'conflict table');
    await page.screenshot({ path: join(root, 'target', 'report.png'), fullPage: true });
    await page.close();
  });

  await test('navigable by week: "next week" moves to the next week\'s section', async () => {
    const html = join(work, 'report.html');
    const { page, problems } = await open(browser.context, html);
    const ids = await page.$$eval('section.wk', (s) => s.map((e) => e.id));
    check(ids.length >= 2, `the bundled report has ${ids.length} week(s); the test needs two`);
    await page.locator(`#${ids[0]}`).getByRole('link', { name: /next week/ }).click();
    equal(new URL(page.url()).hash, `#${ids[1]}`, 'hash after "next week"');
    check(await page.locator(`#${ids[1]}`).isVisible(), 'the next week is shown');
    equal(problems, [], 'problems');
    await page.close();
  });

  await test('markup in titles is shown as text, never run', async () => {
    const schedule = JSON.parse(readFileSync(join(root, BUNDLED.schedule), 'utf8'));
    const evil = '<img src=x onerror=alert(1)><script>alert(2)</script>';
    schedule.releases[0].title = evil;
    const path = join(work, 'schedule-markup.json');
    writeFileSync(path, JSON.stringify(schedule));
    const html = join(work, 'report-markup.html');
    relman(bin, ['report', path, '--out', html]);
    const { page, problems } = await open(browser.context, html);
    equal(problems, [], 'problems');
    equal(await page.locator('img').count(), 0, 'img elements');
    equal(await page.evaluate(() => document.scripts.length), 0, 'scripts');
    const id = schedule.releases[0].id;
    const title = await page.locator(`g.r[data-id="${id}"] title`).first().textContent();
    check(title.includes(evil), `the tooltip shows the title as text: ${title}`);
    await page.close();
  });

  await test('10k releases: under 10 MB, opens within the default timeout, every bar and conflict shown', async () => {
    // 100 CIs × 100 slots of 2 h from 2027-01-04; each release 90 min, and
    // every 1000th 150 min, so that it overlaps the next one on its CI.
    const base = Date.parse('2027-01-04T00:00:00Z');
    const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
    const releases = [];
    for (let i = 0; i < 10000; i++) {
      const start = base + Math.floor(i / 100) * 2 * 3600e3;
      const minutes = i % 1000 === 0 ? 150 : 90;
      releases.push({
        id: `REL-${String(i).padStart(5, '0')}`,
        title: `Load test release ${i}`,
        kind: 'minor',
        state: 'planning',
        planned_start: iso(start),
        planned_end: iso(start + minutes * 60e3),
        affected_cis: [`ci-${String(i % 100).padStart(3, '0')}`],
      });
    }
    const path = join(work, 'schedule-10k.json');
    writeFileSync(path, JSON.stringify({ releases }));
    const html = join(work, 'report-10k.html');
    relman(bin, ['report', path, '--out', html]);
    const size = statSync(html).size;
    console.log(`     10k report: ${(size / 1e6).toFixed(2)} MB`);
    check(size < 10 * 1024 * 1024, `the 10k report is ${size} bytes`);
    const want = expected(path);
    check(want.conflicts > 0, 'the 10k schedule has conflicts');
    const { page, problems } = await open(browser.context, html);
    const got = await shown(page);
    equal(problems, [], 'problems');
    equal(got.releases.length, want.releases.length, 'release bars');
    equal(got.releases, want.releases, 'release bar ids');
    equal(got.conflicts, want.conflicts, 'conflict table rows');
    equal(got.marks, want.marks, 'conflict marks');
    equal(got.hot, want.hot, 'highlighted items');
    await page.close();
  });
} finally {
  await browser.close();
}

const failed = results.filter(([, e]) => e).length;
console.log(`browser: ${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
