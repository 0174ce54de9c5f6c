// The layout and the flows a user expects, on a laptop (1280×800) and a phone (390×844), with
// JavaScript and without: no page wider than the window, nothing outside the main column (a note
// with three shares, one of them a 60-character email), the note's title as its heading, one-time
// messages that a reload does not bring back, a confirmation before deleting, the "Shared with you"
// badge, and a message after logging out. Screenshots of every page go to
// test-results/screenshots/<size>-<js|no-js>/, on every run, to be looked at.
import { resolve } from 'node:path';
import type { Browser, Locator, Page } from '@playwright/test';
import { createNote, expect, logIn, signUp, test, uniqueEmail } from './helpers.ts';

const SCREENSHOTS = resolve(import.meta.dirname, '../test-results/screenshots');

const SIZES = {
  laptop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
  // The narrowest the layout holds at (layout checks only).
  narrow: { width: 320, height: 640 },
} as const;

const TEAM_TITLE = 'Team plan for the spring release, with every milestone and who owns it';
const LINK_TITLE = 'https://example.com/a/very/long/link/that/never/breaks/by/itself/0123456789abcdef';
const SHARED_TITLE = 'Reading list';

/** Made once for the whole file: an owner with notes of their own, one shared with three people, and one shared with them. */
interface World {
  owner: string;
  /** Who the team note is shared with; the last one is 60 characters long. */
  friends: string[];
  teamPath: string;
  sharedPath: string;
}

let world: World;

async function newUser(browser: Browser, email: string, name: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: process.env.E2E_BASE_URL });
  const page = await context.newPage();
  await signUp(page, email, name);
  return page;
}

async function share(page: Page, email: string): Promise<void> {
  await page.getByLabel('Share with (email)').fill(email);
  await page.getByRole('button', { name: 'Share' }).click();
  await expect(page.getByRole('status')).toHaveText(`Shared with ${email}.`);
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  const long = uniqueEmail('a-rather-long-mailbox-name-for-layout');
  expect(long).toHaveLength(60);
  const friends = [uniqueEmail('reader'), uniqueEmail('second'), long];
  const owner = uniqueEmail('owner');

  const friend = await newUser(browser, friends[0]!, 'Reader');
  for (const email of friends.slice(1)) await (await newUser(browser, email, 'Friend')).context().close();
  const page = await newUser(browser, owner, 'Ada Lovelace-Byron, Countess of Lovelace');

  await createNote(page, 'Groceries', 'Milk\nBread');
  await createNote(page, LINK_TITLE, `A link: ${LINK_TITLE}`);
  const teamPath = await createNote(page, TEAM_TITLE, 'Milestones, owners and dates.');
  for (const email of friends) await share(page, email);

  const sharedPath = await createNote(friend, SHARED_TITLE, 'Books to read this year.');
  await share(friend, owner);

  await friend.context().close();
  await page.context().close();
  world = { owner, friends, teamPath, sharedPath };
});

/** The page is no wider than the window, and everything in <main> is inside the main column. */
async function expectFits(page: Page): Promise<void> {
  // After a form post, the URL and the text are there before every stylesheet is.
  await page.waitForLoadState('load');
  const problems = await page.evaluate(() => {
    const found: string[] = [];
    const width = document.documentElement.scrollWidth;
    if (width > window.innerWidth)
      found.push(`the page is ${width}px wide in a ${window.innerWidth}px window`);
    const main = document.querySelector('main')!.getBoundingClientRect();
    if (main.left < 0 || main.right > window.innerWidth) found.push('the main column is outside the window');
    for (const element of document.querySelectorAll('main *')) {
      const box = element.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      if (box.left < main.left - 0.5 || box.right > main.right + 0.5) {
        const text = (element.textContent ?? '').trim().slice(0, 40);
        found.push(
          `<${element.tagName.toLowerCase()} class="${element.getAttribute('class') ?? ''}"> "${text}": ` +
            `${Math.round(box.left)}..${Math.round(box.right)}px, the column is ${Math.round(main.left)}..${Math.round(main.right)}px`,
        );
      }
    }
    return found;
  });
  expect(problems, `layout of ${page.url()}`).toEqual([]);
}

/** A real, visible heading: not the 1-pixel box of a visually hidden one. */
async function expectVisibleHeading(page: Page, name: string): Promise<void> {
  const heading = page.getByRole('heading', { level: 1, name, exact: true });
  await expect(heading).toBeVisible();
  const box = (await heading.boundingBox())!;
  expect(box.height, `height of the heading "${name}"`).toBeGreaterThan(20);
  expect(box.width, `width of the heading "${name}"`).toBeGreaterThan(40);
}

/** The number of lines the text of an element takes. */
function lines(locator: Locator): Promise<number> {
  return locator.evaluate((element) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
  });
}

async function logInAsOwner(page: Page): Promise<void> {
  await page.goto('/login');
  await logIn(page, world.owner);
  await expect(page).toHaveURL(/\/notes$/);
}

/** Until SvelteKit has hydrated the page, a click is a plain form submission. */
async function hydrated(page: Page, javaScript: boolean): Promise<void> {
  if (javaScript) await page.waitForLoadState('networkidle');
}

function pagesTest(size: keyof typeof SIZES, javaScript: boolean) {
  const folder = resolve(SCREENSHOTS, `${size}-${javaScript ? 'js' : 'no-js'}`);
  // The whole page; a modal dialog only in the window it is shown in.
  const shoot = (page: Page, name: string, { fullPage = true } = {}) =>
    page.screenshot({ path: resolve(folder, `${name}.png`), fullPage });

  test('every page fits the window and the column', async ({ page }) => {
    for (const [name, path] of [
      ['landing', '/'],
      ['signup', '/signup'],
      ['login', '/login'],
    ] as const) {
      await page.goto(path);
      await expectFits(page);
      await shoot(page, name);
    }

    await logInAsOwner(page);
    const shared = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: SHARED_TITLE }) });
    await expect(shared.getByText('Shared with you')).toBeVisible();
    await expect(page.getByRole('link', { name: LINK_TITLE })).toBeVisible();
    await expect(
      page.getByRole('listitem').filter({ has: page.getByRole('link', { name: TEAM_TITLE }) }),
    ).toContainText('Shared with 3');
    await expectFits(page);
    await shoot(page, 'notes');

    await page.goto(world.teamPath);
    await expectVisibleHeading(page, TEAM_TITLE);
    await expect(page.getByText('Shared with 3 people')).toBeVisible();
    for (const email of world.friends) {
      const item = page.getByRole('listitem').filter({ hasText: email });
      // Truncated or not, the whole email is there to read (title attribute).
      await expect(item.getByText(email, { exact: true })).toHaveAttribute('title', email);
      const stop = item.getByRole('button', { name: `Stop sharing with ${email}` });
      await expect(stop).toBeVisible();
      expect(await lines(stop), `"Stop sharing" with ${email} on one line`).toBe(1);
    }
    await expectFits(page);
    await shoot(page, 'note-three-shares');

    await page.goto(`${world.teamPath}/delete`);
    await expectVisibleHeading(page, 'Delete this note?');
    await expectFits(page);
    await shoot(page, 'delete-confirmation');

    // Only the owner gets to the confirmation.
    expect((await page.goto(`${world.sharedPath}/delete`))?.status()).toBe(403);

    await page.goto(world.sharedPath);
    await expectVisibleHeading(page, SHARED_TITLE);
    await expect(page.getByText('Shared with you · read only')).toBeVisible();
    await expect(page.getByRole('textbox')).toHaveCount(0);
    await expectFits(page);
    await shoot(page, 'note-shared-with-you');
  });

  return { folder, shoot };
}

for (const size of ['laptop', 'phone'] as const) {
  for (const javaScript of [true, false]) {
    test.describe(`${size} (${SIZES[size].width}×${SIZES[size].height}), ${javaScript ? 'with' : 'without'} JavaScript`, () => {
      test.use({ viewport: SIZES[size], javaScriptEnabled: javaScript });
      const { shoot } = pagesTest(size, javaScript);

      test('a note: its title as heading, one-time messages, delete after confirmation', async ({ page }) => {
        await logInAsOwner(page);
        const title = `Errands ${size} ${javaScript ? 'js' : 'no-js'}`;
        const posted = page.waitForResponse((response) => response.request().method() === 'POST');
        const path = await createNote(page, title, 'Post office');
        await expect(page).toHaveURL(new RegExp(`${path}$`)); // no query parameter
        await expect(page.getByRole('status')).toHaveText('Note created.');
        // The message came in a short-lived httpOnly cookie, which showing it cleared.
        const flash = (await (await posted).headerValue('set-cookie'))
          ?.split('\n')
          .find((cookie) => cookie.startsWith('flash='));
        expect(flash).toMatch(/^flash=Note%20created\.;/);
        for (const attribute of ['HttpOnly', 'SameSite=Lax', 'Path=/', 'Max-Age=60'])
          expect(flash).toContain(attribute);
        expect((await page.context().cookies()).map((cookie) => cookie.name)).not.toContain('flash');
        await expectVisibleHeading(page, title);
        await expectFits(page);
        await shoot(page, 'note-created');
        await page.reload();
        await expectVisibleHeading(page, title);
        await expect(page.getByText('Note created.')).toHaveCount(0);

        await hydrated(page, javaScript);
        await page.getByLabel('Title').fill(`${title}, saved`);
        await page.getByRole('button', { name: 'Save' }).click();
        await expect(page.getByRole('status')).toHaveText('Saved.');
        await expectVisibleHeading(page, `${title}, saved`);
        await expect(page).toHaveURL(new RegExp(`${path}$`));
        await page.reload();
        await expect(page.getByText('Saved.')).toHaveCount(0);
        await expect(page.getByLabel('Title')).toHaveValue(`${title}, saved`);

        // Delete asks first, and Cancel keeps the note.
        await hydrated(page, javaScript);
        await page.getByRole('button', { name: 'Delete' }).click();
        let cancel: Locator;
        let confirm: Locator;
        if (javaScript) {
          const dialog = page.getByRole('dialog', { name: 'Delete this note?' });
          await expect(dialog).toBeVisible();
          await expect(dialog).toContainText(`${title}, saved`);
          await expect(page).toHaveURL(new RegExp(`${path}$`));
          await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
          await shoot(page, 'delete-dialog', { fullPage: false });
          cancel = dialog.getByRole('button', { name: 'Cancel' });
          confirm = dialog.getByRole('button', { name: 'Delete' });
        } else {
          // A GET form without fields: "/delete?".
          await expect(page).toHaveURL(new RegExp(`${path}/delete\\??$`));
          await expectVisibleHeading(page, 'Delete this note?');
          await expect(page.getByRole('main')).toContainText(`${title}, saved`);
          cancel = page.getByRole('link', { name: 'Cancel' });
          confirm = page.getByRole('button', { name: 'Delete' });
        }
        await cancel.click();
        await expect(page).toHaveURL(new RegExp(`${path}$`));
        await expect(page.getByRole('dialog')).toHaveCount(0);
        await expectVisibleHeading(page, `${title}, saved`);

        await page.getByRole('button', { name: 'Delete' }).click();
        await confirm.click();
        await expect(page).toHaveURL(/\/notes$/);
        await expect(page.getByRole('status')).toHaveText('Note deleted.');
        await expect(page.getByRole('link', { name: `${title}, saved` })).toHaveCount(0);
        await page.reload();
        await expect(page.getByText('Note deleted.')).toHaveCount(0);
        expect((await page.goto(path))?.status()).toBe(404);
      });

      test('logging out says so, once', async ({ page }) => {
        await logInAsOwner(page);
        await hydrated(page, javaScript);
        await page.getByRole('button', { name: 'Log out' }).click();
        await expect(page).toHaveURL(/\/$/);
        await expect(page.getByRole('status')).toHaveText('Logged out.');
        await expect(
          page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Log in' }),
        ).toBeVisible();
        await expectFits(page);
        await shoot(page, 'logged-out');
        await page.reload();
        await expect(page.getByText('Logged out.')).toHaveCount(0);
      });
    });
  }
}

test.describe(`narrow (${SIZES.narrow.width}×${SIZES.narrow.height}), with JavaScript`, () => {
  test.use({ viewport: SIZES.narrow });
  pagesTest('narrow', true);
});
