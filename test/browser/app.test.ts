import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { CURIE_WORLD, inProcess, seed } from '../graphql.js';
import { testConfig, testServices } from '../helpers.js';
import { start as startLlm, type OpenAiStub, type StubRequest } from '../stubs/openai-stub.js';

/**
 * The web app in a real browser: Debian's Chromium (scripts/chromium.sh installs it), driven by
 * playwright-core with executablePath (no browser download), against the service on 127.0.0.1
 * with real Milvus and Neo4j and a streaming LLM stub. Screenshots go to test/artifacts/.
 */
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARTIFACTS = path.join(PROJECT_ROOT, 'test', 'artifacts');
const EMOJI = path.join(PROJECT_ROOT, 'node_modules', 'emoji-datasource-google', 'img', 'google', '64');
const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'images');
// Two images (emoji PNGs when the optional demo package is installed, else test fixtures).
const CAT = existsSync(path.join(EMOJI, '1f431.png')) ? path.join(EMOJI, '1f431.png') : path.join(FIXTURES, 'checker-64x96.png');
const CAR = existsSync(path.join(EMOJI, '1f697.png')) ? path.join(EMOJI, '1f697.png') : path.join(FIXTURES, 'gradient-64x48.png');
/** What the tests read of an <img> (the DOM types are not in the Node tsconfig). */
type Img = { complete: boolean; naturalWidth: number; src: string };
const READ_KEY = 'bR-read-0123456789abcdefXYZ';

let llm: OpenAiStub;
let ctx: Awaited<ReturnType<typeof testServices>>;
const apps: App[] = [];
let base: string;
let keyedBase: string;
let browser: Browser;
/** Every URL any page asked for, to check that none left the machine. */
const requested: string[] = [];

const system = (req: StubRequest) => req.messages.find((m) => m.role === 'system')?.content ?? '';
const ANSWER = ['Marie Curie', ' discovered', ' polonium', ' and radium', ' [1].'];
const dispatcher = (req: StubRequest) => {
  const s = system(req);
  if (/rank evidence passages/i.test(s)) return { content: '{"ranking": [1, 2]}' };
  if (/Answer the question using ONLY/.test(s)) return { content: ANSWER.join(''), chunks: ANSWER, chunkDelayMs: 250 };
  if (/cypher/i.test(s)) return { content: '{"cypher": null, "reason": "use the template"}' };
  return { content: '{"routes": [{"route": "GRAPH", "query": "Marie Curie", "reason": "named person", "confidence": 0.9}, {"route": "VECTOR", "query": "Marie Curie discovery", "reason": "documents", "confidence": 0.7}], "refuse": null}' };
};

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 860 } });
  const page = await context.newPage();
  page.on('request', (r) => requested.push(r.url()));
  return page;
}
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  if (!existsSync(path.join(PROJECT_ROOT, 'dist', 'web', 'index.html'))) throw new Error('dist/web is not built: run scripts/setup.sh (or npm run build:web)');
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (it installs Debian's chromium)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  llm = await startLlm();
  for (let i = 0; i < 200; i++) llm.enqueue(dispatcher);
  ctx = await testServices({ LLM_BASE_URL: llm.baseUrl, LLM_API_KEY: 'sk-browser', ROUTER_CACHE_SIZE: '0' });
  const gql = await inProcess(ctx.runtime);
  await seed(gql.exec, CURIE_WORLD);
  await gql.stop();
  const start = async (env: Record<string, string>) => {
    const config = testConfig({ ...env, PORT: '0', MEDIA_DIR: ctx.config.media.dir, MILVUS_COLLECTION: ctx.config.milvus.collection!, LLM_BASE_URL: llm.baseUrl, LLM_API_KEY: 'sk-browser', ROUTER_CACHE_SIZE: '0' });
    const app = await createApp({ ...ctx.runtime, config });
    apps.push(app);
    return (await app.listen()).replace(/\/graphql$/, '');
  };
  base = await start({});
  keyedBase = await start({ API_KEYS: `viewer:read:${READ_KEY}` });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Without the background-networking flags Chromium reaches for Google's hosts at every start.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-default-apps'],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  for (const a of apps) await a.stop();
  await ctx?.cleanup();
  await llm?.close();
});

describe('web app in headless Chromium', () => {
  it('ingests two images and a document (and shows why an SVG is refused), per item', async () => {
    const page = await newPage();
    await page.goto(`${base}/#/ingest`);
    const file = (p: string) => ({ name: path.basename(p).replace('1f431', 'cat-face').replace('1f697', 'automobile'), mimeType: 'image/png', buffer: readFileSync(p) });
    await page.setInputFiles('input[name=files]', [
      file(CAT),
      file(CAR),
      { name: 'radium.txt', mimeType: 'text/plain', buffer: Buffer.from('Radium is a chemical element discovered by Marie Curie and Pierre Curie in 1898. It glows faintly blue.') },
      { name: 'drawing.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>') },
    ]);
    await expect.poll(() => page.locator('[data-testid=queue] li').count()).toBe(4);
    await page.click('[data-testid=ingest-send]');
    const results = page.locator('[data-testid=ingest-results]');
    await results.waitFor();
    expect(await results.locator('b').first().textContent()).toContain('3 ingested, 1 failed');
    expect(await results.locator('tr.failed').textContent()).toMatch(/drawing\.svg.*BAD_USER_INPUT/);
    await shot(page, 'ingest');
  });

  it('searches by text: an image grid with thumbnails and text hits with highlighted words', async () => {
    const page = await newPage();
    await page.goto(`${base}/#/search`);
    await page.fill('input[name=q]', 'radium discovered');
    await page.press('input[name=q]', 'Enter');
    await page.locator('[data-testid=search-summary]').waitFor();
    await page.locator('[data-testid=text-hits] mark').first().waitFor();
    const thumbs = page.locator('[data-testid=image-hits] img.thumb');
    await expect.poll(() => thumbs.count()).toBeGreaterThanOrEqual(2);
    // Every thumbnail really loaded from /media.
    await expect.poll(() => thumbs.evaluateAll((imgs) => imgs.every((i) => (i as unknown as Img).complete && (i as unknown as Img).naturalWidth > 0))).toBe(true);
    await shot(page, 'search-text');
  });

  it('searches by image (an uploaded file) and "more like this"', async () => {
    const page = await newPage();
    await page.goto(`${base}/#/search`);
    await page.setInputFiles('input[name=image]', CAT);
    await expect.poll(() => page.locator('[data-testid=search-summary]').textContent()).toContain('embedded as image');
    await shot(page, 'search-image');
    await page.locator('[data-testid=image-hits] button', { hasText: 'more like this' }).first().click();
    await expect.poll(() => page.locator('.dropzone').textContent()).toContain('more like');
  });

  it('asks: the answer streams in, citations link to evidence cards, route and timeline are shown', async () => {
    const page = await newPage();
    await page.goto(`${base}/#/ask`);
    await page.fill('input[name=question]', 'What did Marie Curie discover?');
    await page.press('input[name=question]', 'Enter');
    // While the LLM stub is still streaming (250 ms per token), part of the answer is on screen.
    await page.locator('[data-testid=answer][data-complete=false]').waitFor();
    const partial = await page.locator('[data-testid=answer]').textContent();
    expect(partial!.length).toBeGreaterThan(0);
    expect(partial).not.toContain('radium');
    await page.locator('[data-testid=answer][data-complete=true]').waitFor();
    expect(await page.locator('[data-testid=answer]').textContent()).toContain('discovered polonium and radium');
    // The route decision is drawn: who decided and the chosen routes (which ones is the router's business).
    expect(await page.locator('[data-testid=decision]').textContent()).toMatch(/Route \((llm|offline|fallback|forced)/);
    const pills = await page.locator('[data-testid=decision] .pill').allTextContents();
    expect(pills.length).toBeGreaterThan(0);
    expect(pills.every((p) => ['VECTOR', 'GRAPH', 'WEB'].includes(p))).toBe(true);
    expect(await page.locator('[data-testid=timeline] .stage').count()).toBeGreaterThanOrEqual(4);
    await page.locator('a.cite').first().click();
    await page.locator('.ev.focus').waitFor();
    await shot(page, 'ask');
  });

  it('opens an item page (linked entities) and an entity page with its neighbourhood drawn', async () => {
    const page = await newPage();
    await page.goto(`${base}/#/search`);
    await page.fill('input[name=q]', 'polonium');
    await page.press('input[name=q]', 'Enter');
    await page.locator('[data-testid=text-hits] a', { hasText: /./ }).first().waitFor();
    // The seeded text that mentions Marie Curie.
    const hit = page.locator('[data-testid=text-hits] li', { hasText: 'polonium' }).first().locator('a').first();
    await hit.click();
    await page.locator('[data-testid=item-page]').waitFor();
    await page.locator('[data-testid=item-entities] a', { hasText: 'Marie Curie' }).click();
    await page.locator('[data-testid=entity-page] svg.graph').waitFor();
    expect(await page.locator('svg.graph g.node').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('svg.graph').textContent()).toContain('SPOUSE_OF');
    await shot(page, 'entity');

    await page.goto(`${base}/#/entities`);
    await page.locator('[data-testid=entity-list]').waitFor();
    expect(await page.locator('[data-testid=entity-list] a.chip').count()).toBeGreaterThanOrEqual(2);

    await page.goto(`${base}/#/browse`);
    await page.locator('[data-testid=browse-count]').waitFor();
    await page.locator('.grid img.thumb').first().click();
    await page.locator('[data-testid=item-page] img.full').waitFor();
    await expect.poll(() => page.locator('img.full').evaluate((i) => (i as unknown as Img).naturalWidth)).toBeGreaterThan(0);
    await shot(page, 'item');
  });

  it('with API keys: a readable error until a key is entered, then search and thumbnails work', async () => {
    const page = await newPage();
    await page.goto(`${keyedBase}/#/search`);
    await page.fill('input[name=q]', 'radium');
    await page.press('input[name=q]', 'Enter');
    expect(await page.locator('.error').textContent()).toContain('UNAUTHENTICATED');
    await page.fill('input[name=apiKey]', READ_KEY);
    await page.press('input[name=apiKey]', 'Enter');
    await page.press('input[name=q]', 'Enter');
    await page.locator('[data-testid=search-summary]').waitFor();
    const thumbs = page.locator('[data-testid=image-hits] img.thumb');
    await expect.poll(() => thumbs.count()).toBeGreaterThanOrEqual(1);
    await expect.poll(() => thumbs.evaluateAll((imgs) => imgs.every((i) => (i as unknown as Img).src.startsWith('blob:') && (i as unknown as Img).naturalWidth > 0))).toBe(true);
    await shot(page, 'search-with-key');
  });

  it('no request left the machine', () => {
    expect(requested.length).toBeGreaterThan(20);
    const elsewhere = requested.filter((u) => !/^(https?|wss?):\/\/127\.0\.0\.1:\d+\//.test(u) && !u.startsWith('blob:') && !u.startsWith('data:'));
    expect(elsewhere).toEqual([]);
  });
});
