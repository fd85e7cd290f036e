// Drives real VS Code (code-server) in headless chromium the way a writer would: open a draft
// that misquotes the bundled corpus, read the Problems panel, hover the quote, accept the quick
// fix, and complete a citation key after `[@`. Started by run.sh, which serves the workspace.
//   node e2e.mjs --url http://127.0.0.1:PORT/?folder=DIR --screenshots DIR
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    screenshots: { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
if (!args.url || !args.screenshots) {
  console.error('usage: node e2e.mjs --url URL --screenshots DIR');
  process.exit(2);
}

// Every wait has its own limit; this one bounds the whole run in case something hangs outside them.
const WHOLE_RUN_MS = 200_000;
const SERVER_MS = 45_000;
const UI_MS = 15_000;
setTimeout(() => {
  console.log(`not ok - the whole run took longer than ${WHOLE_RUN_MS / 1000} s`);
  process.exit(1);
}, WHOLE_RUN_MS).unref();

const DRIFT_MESSAGE = 'quote drifted from [@state-dept-cable-2011]';
// editors/testdata/draft.md quotes the cable with 'far' changed to 'much'.
const SOURCE_WORDING = 'they are far more likely to oppose it';
const DRIFTED_WORDING = 'they are much more likely';

let passed = 0;
let failed = 0;

async function check(name, fn) {
  const began = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok - ${name} (${Date.now() - began} ms)`);
    return true;
  } catch (error) {
    failed++;
    console.log(`not ok - ${name}: ${String(error?.message ?? error).split('\n').slice(0, 6).join('\n    ')}`);
    await shoot(`failed-${name.replace(/\W+/g, '-')}`);
    return false;
  }
}

let page;
async function shoot(name) {
  const file = `${args.screenshots}/${name}.png`;
  try {
    await page?.screenshot({ path: file, timeout: 10_000 });
    console.log(`  screenshot: ${file}`);
  } catch {
    // A screenshot is a help for reading a failure, never a failure itself.
  }
}

/** Monaco renders spaces as U+00A0; compare text the way a reader sees it. */
function readable(text) {
  return text.replace(/\u00a0/g, ' ');
}

async function editorText() {
  return readable(await page.locator('.editor-instance .monaco-editor .view-lines').first().innerText());
}

// Clicks and fills use { force: true } for the same reason as squigglePoint(): in headless
// chromium, Playwright's wait for a "stable" element in the workbench sometimes never ends.

/**
 * The middle of the first warning squiggle. The mouse goes there directly: Monaco re-renders
 * its decoration layer often enough that Playwright's "stable element" check on it never ends.
 */
async function squigglePoint() {
  const squiggle = page.locator('.monaco-editor .squiggly-warning').first();
  await squiggle.waitFor({ state: 'visible', timeout: UI_MS });
  const box = await squiggle.boundingBox();
  if (!box) {
    throw new Error('the warning squiggle has no box on screen');
  }
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/**
 * Puts the cursor inside the quote (line 3, column 40 of draft.md) with "Go to Line" in quick
 * open. A mouse click on the squiggle was seen to leave the cursor where it was.
 */
async function placeCursorInQuote() {
  await focusDraftAtTop();
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(':3:40', { force: true });
  await page.keyboard.press('Enter');
  await page.locator('.statusbar-item', { hasText: 'Ln 3, Col 40' }).waitFor({ timeout: UI_MS });
}

/** Focuses the draft's editor with its first line at the top, so the quote is on screen. */
async function focusDraftAtTop() {
  await page.keyboard.press('Escape');
  await page.locator('.tabs-container .tab', { hasText: 'draft.md' }).first().click({ force: true });
  // Monaco scrolls itself, so Playwright's scroll-into-view cannot bring a squiggle on screen;
  // the wheel over the editor can. (The editor was seen scrolled two lines down by then.)
  const lines = page.locator('.editor-instance .monaco-editor .view-lines').first();
  const box = await lines.boundingBox();
  if (box) {
    await page.mouse.move(box.x + box.width / 2, box.y + 40);
    await page.mouse.wheel(0, -2000);
  }
  await page.keyboard.press('Control+Home');
  await page.locator('.monaco-editor .squiggly-warning').first().waitFor({ state: 'visible', timeout: UI_MS });
}

async function runCommand(title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: UI_MS });
  await input.fill(`>${title}`, { force: true });
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: UI_MS });
  await page.keyboard.press('Enter');
}

const browser = await chromium.launch({
  executablePath: args.chromium,
  headless: true,
  timeout: 30_000,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-dev-shm-usage',
    // Monaco lays out and paints in animation frames; throttled frames left it half drawn.
    '--disable-renderer-backgrounding',
    '--disable-background-timer-throttling',
    '--disable-backgrounding-occluded-windows',
  ],
});
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(UI_MS);

  const workbenchUp = await check('the workbench loads', async () => {
    await page.goto(args.url, { timeout: 60_000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  });
  if (!workbenchUp) {
    throw new Error('no workbench');
  }

  await check('draft.md opens in an editor', async () => {
    // The explorer is ready once the workspace's files are listed.
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'draft.md' }).waitFor({ timeout: 30_000 });
    // The Problems panel is opened before the draft: opening it later, with the editor already
    // laid out, left the editor half drawn in headless chromium (lines 2-3 blank).
    await page.keyboard.press('Control+Shift+M');
    await page.locator('.markers-panel').waitFor({ state: 'visible' });
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('draft.md', { force: true });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'draft.md' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab', { hasText: 'draft.md' }).waitFor();
    await page.waitForFunction(
      () => document.querySelector('.editor-instance .view-lines')?.textContent?.replace(/\u00a0/g, ' ').includes('more likely'),
      undefined,
      { timeout: UI_MS },
    );
  });

  await check('the status bar shows the indexed corpus', async () => {
    const item = page.locator('.statusbar-item', { hasText: /quoteline: \d+ sources?, \d+ passages?/ });
    await item.waitFor({ timeout: SERVER_MS });
  });

  const diagnosed = await check('the Problems panel lists the drift warning', async () => {
    // The squiggle first: it appears when diagnostics arrive, and the panel can be opened after.
    await page.locator('.monaco-editor .squiggly-warning').first().waitFor({ timeout: SERVER_MS });
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: DRIFT_MESSAGE });
    await row.first().waitFor({ timeout: UI_MS });
    const text = readable(await row.first().innerText());
    if (!text.includes('‘far’') || !text.includes('‘much’')) {
      throw new Error(`the warning does not name both words: ${text}`);
    }
    await shoot('problems');
  });

  if (!diagnosed) {
    // Every later step starts from the warning; waiting for each to time out tells nothing more.
    throw new Error('no drift warning, so the hover, quick fix and completion steps were not run');
  }

  await check('hovering the quote shows the source passage', async () => {
    await focusDraftAtTop();
    const hover = page.locator('.monaco-hover-content', { hasText: SOURCE_WORDING });
    // The mouse hover sometimes does not start in headless chromium (seen once in five runs);
    // come in from outside the quote again, then fall back to the keyboard's Show Hover,
    // which asks the same hover provider.
    let shown = false;
    for (let attempt = 1; attempt <= 2 && !shown; attempt++) {
      const point = await squigglePoint();
      await page.mouse.move(point.x, point.y + 120);
      await page.mouse.move(point.x, point.y, { steps: 8 });
      shown = await hover.first().waitFor({ timeout: 5_000 }).then(() => true, () => false);
    }
    if (!shown) {
      console.log('  (the mouse hover did not show; using Show or Focus Hover at the cursor)');
      await placeCursorInQuote();
      await runCommand('Show or Focus Hover');
      await hover.first().waitFor({ timeout: UI_MS });
    }
    const text = readable(await page.locator('.monaco-hover', { hasText: SOURCE_WORDING }).first().innerText());
    if (!text.includes('state-dept-cable-2011')) {
      throw new Error(`the hover does not name the source: ${text}`);
    }
    await shoot('hover');
    await page.keyboard.press('Escape');
  });

  await check('"quoteline: Show Source of Quote" opens the cable beside the draft', async () => {
    await placeCursorInQuote();
    await runCommand('quoteline: Show Source of Quote');
    await page.locator('.tabs-container .tab', { hasText: 'state-dept-cable-2011.txt' }).waitFor({ timeout: UI_MS });
    const groups = await page.locator('.editor-group-container').count();
    if (groups < 2) {
      throw new Error('the source did not open in a second editor group');
    }
    await shoot('show-source');
    // Close the source (focused, the only editor in its group, so the group goes too).
    await page.keyboard.press('Control+W');
    await page.locator('.tabs-container .tab', { hasText: 'state-dept-cable-2011.txt' }).waitFor({ state: 'detached' });
  });

  await check('the quick fix replaces the quote with the source wording', async () => {
    await placeCursorInQuote();
    await page.keyboard.press('Control+.');
    const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'Replace with the source wording' });
    await fix.first().waitFor({ timeout: UI_MS });
    await shoot('quick-fix-menu');
    await fix.first().click({ force: true });
    await page.waitForFunction(
      (wording) => document.querySelector('.editor-instance .view-lines')?.textContent?.replace(/\u00a0/g, ' ').includes(wording),
      SOURCE_WORDING,
      { timeout: UI_MS },
    );
    const text = await editorText();
    if (text.includes(DRIFTED_WORDING)) {
      throw new Error(`the drifted wording is still there: ${text}`);
    }
    await page.locator('.monaco-editor .squiggly-warning').first().waitFor({ state: 'detached', timeout: SERVER_MS });
    await shoot('fixed');
  });

  await check('typing [@ offers corpus keys', async () => {
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click({ force: true });
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.keyboard.type('See [@', { delay: 50 });
    const item = page.locator('.suggest-widget .monaco-list-row', { hasText: 'state-dept-cable-2011' });
    await item.first().waitFor({ timeout: UI_MS });
    await shoot('completion');
    await page.keyboard.press('Escape');
  });

  await check('"quoteline: Search Corpus" lists passages and opens one', async () => {
    await runCommand('quoteline: Search Corpus');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('oppose it than support it', { force: true });
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: /\S/ });
    await row.first().waitFor({ timeout: UI_MS });
    await shoot('search-corpus');
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab', { hasText: /\.txt/ }).first().waitFor({ timeout: UI_MS });
  });
} catch (error) {
  console.log(`not ok - stopped early: ${error?.message ?? error}`);
  failed++;
} finally {
  await browser.close().catch(() => {});
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
