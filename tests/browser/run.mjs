// Browser journeys: starts `tsunagi --demo` on a fresh SQLite file, drives Debian's Chromium
// headless with playwright-core, and prints "N passed, M failed".
//   node tests/browser/run.mjs [path/to/tsunagi]
import { chromium } from 'playwright-core';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = process.argv[2] || join(process.env.CARGO_TARGET_DIR || 'target', 'debug', 'tsunagi');
const dir = mkdtempSync(join(tmpdir(), 'tsunagi-browser-'));
const server = spawn(bin, ['serve', '--demo', '--bind', '127.0.0.1:0', '--database-url', `sqlite://${join(dir, 'demo.sqlite3')}`], {
  env: { ...process.env, RUST_LOG: 'warn' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const base = await new Promise((resolve, reject) => {
  let out = '';
  const timer = setTimeout(() => reject(new Error('the server did not start')), 60000);
  server.stdout.on('data', (chunk) => {
    out += chunk;
    const m = out.match(/running on (http:\/\/[0-9.:]+)/);
    if (m) { clearTimeout(timer); resolve(m[1]); }
  });
  server.on('exit', (code) => reject(new Error(`the server exited (${code})`)));
});

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
let passed = 0, failed = 0;
async function journey(name, fn) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  try {
    await fn(page);
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAILED - ${name}: ${e.message}`);
    await page.screenshot({ path: join(tmpdir(), `tsunagi-${name.replace(/\W+/g, '_')}.png`), fullPage: true }).catch(() => {});
  } finally {
    await context.close();
  }
}
function check(cond, message) { if (!cond) throw new Error(message); }
async function login(page, id) {
  await page.goto(base + '/login');
  await page.fill('#login_id', id);
  await page.fill('#password', 'tsunagi-demo');
  await page.click('button[type=submit]');
  await page.waitForURL(base + '/');
}

await journey('kyotaku plans a month by weekday pattern and reads the 第7表', async (page) => {
  await login(page, 'kyotaku');
  await page.click('nav.side-menu >> text=予定実績');
  await page.click('text=青木 キヨ');
  // Two months ahead has no schedule yet in the demo.
  await page.click('text=翌月 ▶');
  await page.click('text=翌月 ▶');
  const month = page.url().match(/\/(\d{6})$/)[1];
  check(await page.isVisible('text=この月の予定はまだありません'), 'the month starts empty');
  await page.selectOption('#provider', '1310100001:11');
  await page.fill('#code', '111111');
  await page.fill('input[name=start]', '9:00');
  await page.fill('input[name=end]', '9:30');
  await page.check('fieldset:has-text("曜日（毎週）") input[value="1"]');
  await page.check('fieldset:has-text("曜日（毎週）") input[value="4"]');
  await page.click('button:has-text("行を追加")');
  await page.waitForSelector('text=身体介護１');
  // Count Mondays and Thursdays of the month ourselves.
  const y = +month.slice(0, 4), m = +month.slice(4);
  let n = 0;
  for (let d = 1; d <= new Date(y, m, 0).getDate(); d++) {
    const wd = new Date(y, m - 1, d).getDay();
    if (wd === 1 || wd === 4) n++;
  }
  const planned = await page.$$eval('input[name^="p_"]', (xs) => xs.filter((x) => x.value === '1').length);
  check(planned === n, `${planned} planned days, expected ${n}`);
  await page.click('text=第7表を見る');
  const units = n * 244;
  const cost = Math.floor((units * 1140) / 100);
  const claim = Math.floor((cost * 90) / 100);
  const fmt = (v) => v.toLocaleString('en-US');
  const total = await page.textContent('table.table7 tr.total');
  for (const v of [units, cost, claim, cost - claim]) {
    check(total.includes(fmt(v)), `the total row lacks ${fmt(v)}: ${total}`);
  }
  await page.screenshot({ path: join(tmpdir(), 'tsunagi-table7.png'), fullPage: true });
});

await journey('helper sees its own lines and records actuals', async (page) => {
  await login(page, 'helper');
  await page.click('nav.side-menu >> text=予定実績');
  await page.click('text=青木 キヨ');
  check((await page.$$('input[name^="p_"]')).length === 0, 'no plan inputs for the provider');
  await page.click('button:has-text("予定を実績へコピー")');
  const actual = await page.$$eval('input[name^="a_"]', (xs) => xs.filter((x) => x.value !== '').length);
  check(actual > 0, 'actuals copied from the plan');
});

// The export screen, end to end: search, confirm, the job, the download, our checker on the zip.
async function exportAll(page, prefix, shot) {
  await page.click('nav.side-menu >> text=ケアプラン連携');
  await page.click('form.export-filters button:has-text("検索")');
  await page.waitForSelector('table.export-list');
  const selected = +(await page.textContent('[data-selected-count]'));
  check(selected > 0, 'recipients are selected by default');
  await page.screenshot({ path: join(tmpdir(), `tsunagi-${shot}-list.png`), fullPage: true });
  // More than one page: take every recipient the search found.
  if (await page.isVisible('input[name=all]')) await page.check('input[name=all]');
  await page.click('form[action="/careplan/export/confirm"] button[type=submit]');
  await page.waitForSelector('table.destinations');
  await page.screenshot({ path: join(tmpdir(), `tsunagi-${shot}-confirm.png`), fullPage: true });
  await page.click('button:has-text("OK")');
  await page.waitForSelector('text=処理を受け付けました');
  // The screen reloads itself while the job runs; the download link appears when it is done.
  const link = '.recent-exports a:has-text("ダウンロード")';
  await page.waitForSelector(link, { timeout: 60000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(link)]);
  const name = download.suggestedFilename();
  check(name.startsWith(prefix), `download name ${name}`);
  const path = join(dir, name);
  await download.saveAs(path);
  const r = spawnSync(bin, ['csv', 'check', path], { encoding: 'utf8' });
  check(r.status === 0, `the checker refused the zip: ${r.stdout}`);
  check(/0 errors/.test(r.stdout), r.stdout);
  return { selected, report: r.stdout, path };
}
let planZip = null;
let actualZip = null;

await journey("kyotaku exports next month's 利用票 for all partners and the checker passes the zip", async (page) => {
  await login(page, 'kyotaku');
  const { report, path } = await exportAll(page, '利用票出力_1310100001_', 'export-plan');
  check(report.includes('UPPLAN_') && report.includes('UPSIKYU_') && report.includes('UPHOSOKU_'), report);
  planZip = path;
});

await journey('helper uploads the 利用票 zip and sees every file checked', async (page) => {
  check(planZip, 'the export journey left a zip');
  await login(page, 'helper');
  await page.goto(base + '/careplan/import');
  await page.setInputFiles('[data-file-input]', planZip);
  await page.waitForSelector('[data-chosen-list] li');
  await page.click('button:has-text("アップロード")');
  await page.waitForSelector('text=件のファイルを受け付けました');
  const ours = await page.textContent('table.import-list');
  check(ours.includes('宛てのファイルではありません'), 'files for other offices are refused with the reason');
  const rows = await page.$$eval('table.import-list tbody tr', (trs) => trs.map((tr) => tr.textContent));
  const own = rows.filter((t) => t.includes('_1310100001_11_'));
  check(own.length === 3 && own.every((t) => !t.includes('(エ)')), `own set importable: ${own.join(' | ')}`);
  await page.screenshot({ path: join(tmpdir(), 'tsunagi-import-list.png'), fullPage: true });
});

await journey("helper exports last month's 実績 and the checker passes the zip", async (page) => {
  await login(page, 'helper');
  const { report, path } = await exportAll(page, '実績出力_1310100001_', 'export-actual');
  check(report.includes('UPJSK_'), report);
  actualZip = path;
});

await journey('kyotaku uploads the 実績 zip, reviews the differences and imports it', async (page) => {
  check(actualZip, 'the 実績 export journey left a zip');
  await login(page, 'kyotaku');
  await page.goto(base + '/careplan/import');
  await page.setInputFiles('[data-file-input]', actualZip);
  await page.click('button:has-text("アップロード")');
  await page.waitForSelector('text=件のファイルを受け付けました');
  await page.click('nav.tabs >> text=印刷・取込');
  await page.click('a:has-text("内容を確認")');
  await page.waitForSelector('table.receive-list');
  await page.screenshot({ path: join(tmpdir(), 'tsunagi-receive-set.png'), fullPage: true });
  await page.click('button:has-text("全て選択")');
  await page.click('button:has-text("取込")');
  await page.waitForSelector('text=処理を受け付けました');
});

await browser.close();
server.kill();
rmSync(dir, { recursive: true, force: true });
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
