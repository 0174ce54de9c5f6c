import { createNote, expect, logIn, signUp, test, uniqueEmail } from './helpers.ts';

test('create, edit and delete a note', async ({ page }) => {
  await signUp(page);
  await expect(page.getByText('No notes yet')).toBeVisible();

  const path = await createNote(page, 'Groceries', 'Milk\nBread');
  await expect(page).toHaveTitle('Groceries · Notes');
  await expect(page.getByRole('status')).toHaveText('Note created.');
  await expect(page.getByLabel('Title')).toHaveValue('Groceries');

  await page.getByLabel('Title').fill('Groceries for Sunday');
  await page.getByLabel('Body').fill('Milk\nBread\nEggs');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved.');
  await page.reload();
  await expect(page.getByLabel('Title')).toHaveValue('Groceries for Sunday');
  await expect(page.getByLabel('Body')).toHaveValue('Milk\nBread\nEggs');

  await page.goto('/notes');
  await expect(page.getByRole('link', { name: 'Groceries for Sunday' })).toBeVisible();

  await page.goto(path);
  await page.getByRole('button', { name: 'Delete' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete this note?' });
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(/\/notes$/);
  await expect(page.getByRole('status')).toHaveText('Note deleted.');
  await expect(page.getByRole('link', { name: 'Groceries for Sunday' })).toHaveCount(0);
  const response = await page.goto(path);
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});

test('an invalid note shows the error next to the field and keeps the input', async ({ page }) => {
  await signUp(page);
  const path = await createNote(page, 'Valid', 'Body');
  await page.getByLabel('Title').fill('x'.repeat(201));
  await page.getByLabel('Body').fill('Kept body');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByLabel('Title')).toHaveAccessibleDescription(/Title must be at most 200 characters/);
  await expect(page.getByLabel('Body')).toHaveValue('Kept body');
  await page.goto(path);
  await expect(page.getByLabel('Title')).toHaveValue('Valid');
});

test('a shared note is read-only for the other user, until it is unshared', async ({ page, browser }) => {
  const reader = await browser.newPage();
  const readerEmail = await signUp(reader, uniqueEmail('reader'), 'Reader');

  await signUp(page, uniqueEmail('owner'), 'Owner');
  const path = await createNote(page, 'Team plan', 'Ship on Friday');

  // Unknown users and oneself are refused next to the field.
  await page.getByLabel('Share with (email)').fill(uniqueEmail('nobody'));
  await page.getByRole('button', { name: 'Share' }).click();
  await expect(page.getByLabel('Share with (email)')).toHaveAccessibleDescription(/not found/i);

  await page.getByLabel('Share with (email)').fill(readerEmail);
  await page.getByRole('button', { name: 'Share' }).click();
  await expect(page.getByRole('status')).toHaveText(`Shared with ${readerEmail}.`);
  await expect(page.getByText('Shared with 1 person')).toBeVisible();
  await expect(page.getByRole('listitem').filter({ hasText: readerEmail })).toBeVisible();

  await reader.goto('/notes');
  await expect(reader.getByRole('link', { name: 'Team plan' })).toBeVisible();
  await expect(reader.getByText('Shared with you')).toBeVisible();
  await reader.getByRole('link', { name: 'Team plan' }).click();
  await expect(reader.getByRole('heading', { name: 'Team plan' })).toBeVisible();
  await expect(reader.getByText('Ship on Friday')).toBeVisible();
  await expect(reader.getByText('read only')).toBeVisible();
  await expect(reader.getByRole('button', { name: 'Save' })).toHaveCount(0);
  await expect(reader.getByRole('button', { name: 'Delete' })).toHaveCount(0);
  await expect(reader.getByRole('button', { name: 'Share' })).toHaveCount(0);
  await expect(reader.getByRole('textbox')).toHaveCount(0);

  await page.getByRole('button', { name: `Stop sharing with ${readerEmail}` }).click();
  await expect(page.getByText('Only you can see this note.')).toBeVisible();
  const response = await reader.goto(path);
  expect(response?.status()).toBe(404);
  await reader.close();
});

test('the create flow works with JavaScript disabled', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
  const page = await context.newPage();
  const email = await signUp(page, uniqueEmail('nojs'), 'No Script');

  await page.getByLabel('Title').fill('Written without JavaScript');
  await page.getByLabel('Body').fill('Plain HTML forms');
  await page.getByRole('button', { name: 'Create note' }).click();
  await expect(page).toHaveURL(/\/notes\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('status')).toHaveText('Note created.');
  await expect(page.getByLabel('Body')).toHaveValue('Plain HTML forms');

  await page.getByLabel('Body').fill('Edited without JavaScript');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved.');

  await page.goto('/notes');
  await expect(page.getByRole('link', { name: 'Written without JavaScript' })).toBeVisible();

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Log in' }),
  ).toBeVisible();
  await page.goto('/login');
  await logIn(page, email, 'wrong password!');
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password');
  await context.close();
});

test('no console errors or warnings on the main pages', async ({ page }) => {
  const messages: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      messages.push(`${message.type()}: ${message.text()}`);
  });
  await page.goto('/');
  await page.goto('/signup');
  await page.goto('/login');
  await signUp(page);
  const path = await createNote(page, 'Console check', 'Nothing in the console');
  await page.goto('/notes');
  await page.getByRole('link', { name: 'Console check' }).click();
  await expect(page).toHaveURL(path);
  await page.getByLabel('Title').fill('Console check, saved');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved.');
  await page.getByRole('link', { name: 'My notes' }).click();
  await expect(page.getByRole('heading', { name: 'My notes' })).toBeVisible();
  expect(messages).toEqual([]);
});

test('every page has its own title', async ({ page }) => {
  for (const [path, title] of [
    ['/', 'Notes · Write it down, share it'],
    ['/signup', 'Sign up · Notes'],
    ['/login', 'Log in · Notes'],
  ] as const) {
    await page.goto(path);
    await expect(page).toHaveTitle(title);
  }
  await signUp(page);
  await expect(page).toHaveTitle('My notes · Notes');
});

test('pages are served with a content security policy and no framing', async ({ page }) => {
  const response = await page.goto('/login');
  const headers = response!.headers();
  expect(headers['content-security-policy']).toMatch(/script-src 'self' 'nonce-[^']+'/);
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['x-content-type-options']).toBe('nosniff');
});
