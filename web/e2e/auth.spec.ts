import { createNote, expect, logIn, PASSWORD, signUp, test, uniqueEmail } from './helpers.ts';
import { freePort } from '@app/devkit';
import { startWebApp, stopChild } from './web-app.ts';

test('sign up logs in, keeps the tokens out of reach of JavaScript', async ({ page, context }) => {
  await signUp(page, uniqueEmail('ada'), 'Ada Lovelace');
  await expect(page.getByRole('heading', { name: 'My notes' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).toContainText('Ada Lovelace');

  expect(await page.evaluate(() => document.cookie)).toBe('');
  const cookies = await context.cookies();
  const session = cookies.filter((cookie) => cookie.name.startsWith('session_'));
  expect(session.map((cookie) => cookie.name).sort()).toEqual(['session_access', 'session_refresh']);
  for (const cookie of session) {
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
  }
});

test('log out ends the session', async ({ page, context }) => {
  await signUp(page);
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Log in' }),
  ).toBeVisible();
  expect((await context.cookies()).filter((cookie) => cookie.name.startsWith('session_'))).toEqual([]);
  await page.goto('/notes');
  await expect(page).toHaveURL(/\/login\?redirectTo=%2Fnotes$/);
});

test('a wrong password shows the gateway message and keeps the email', async ({ page }) => {
  const email = await signUp(page);
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Log in' }),
  ).toBeVisible();
  await page.goto('/login');
  await logIn(page, email, 'not the password');
  await expect(page.getByRole('alert')).toHaveText('Wrong email or password');
  await expect(page.getByLabel('Email')).toHaveValue(email);
  await expect(page.getByLabel('Password')).toHaveValue('');
  await expect(page).toHaveURL(/\/login$/);
});

test('a gateway validation error shows next to its field, keeping the other input', async ({ page }) => {
  const email = uniqueEmail();
  await page.goto('/signup');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Name').fill('Grace');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Sign up' }).click();

  const password = page.getByLabel('Password');
  await expect(password).toHaveAttribute('aria-invalid', 'true');
  await expect(password).toHaveAccessibleDescription(/Password must be at least 8 characters/);
  await expect(page.getByLabel('Email')).not.toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Email')).toHaveValue(email);
  await expect(page.getByLabel('Name')).toHaveValue('Grace');
  await expect(password).toHaveValue('');
});

test('an email already taken shows next to the Email field', async ({ page, browser }) => {
  const email = await signUp(page);
  const other = await browser.newPage();
  await other.goto('/signup');
  await other.getByLabel('Email').fill(email.toUpperCase());
  await other.getByLabel('Name').fill('Someone else');
  await other.getByLabel('Password').fill(PASSWORD);
  await other.getByRole('button', { name: 'Sign up' }).click();
  await expect(other.getByLabel('Email')).toHaveAccessibleDescription(/already exists/);
  await other.close();
});

test('a page that needs a user goes to the login page and back after logging in', async ({
  page,
  browser,
}) => {
  const email = await signUp(page);
  const path = await createNote(page, 'Deep link', 'Come back here');

  const anonymous = await browser.newPage();
  await anonymous.goto(path);
  await expect(anonymous).toHaveURL(`/login?redirectTo=${encodeURIComponent(path)}`);
  await expect(anonymous.getByText('Please log in to see that page.')).toBeVisible();
  await logIn(anonymous, email);
  await expect(anonymous).toHaveURL(path);
  await expect(anonymous.getByLabel('Body')).toHaveValue('Come back here');
  await anonymous.close();
});

test('after login, a redirect to another site is refused', async ({ page }) => {
  const email = await signUp(page);
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Log in' }),
  ).toBeVisible();
  for (const target of ['https://evil.example/', '//evil.example/notes', '/\\evil.example']) {
    await page.context().clearCookies();
    await page.goto(`/login?redirectTo=${encodeURIComponent(target)}`);
    await logIn(page, email);
    await expect(page).toHaveURL(/^http:\/\/localhost:\d+\/notes$/);
  }
});

test('an expired access token is refreshed transparently, rotating the refresh token', async ({
  page,
  context,
}) => {
  await signUp(page);
  const before = (await context.cookies()).find((cookie) => cookie.name === 'session_refresh')?.value;
  // The access cookie expires in the browser: drop it.
  await context.clearCookies({ name: 'session_access' });
  await page.goto('/notes');
  await expect(page.getByRole('heading', { name: 'My notes' })).toBeVisible();
  const cookies = await context.cookies();
  expect(cookies.find((cookie) => cookie.name === 'session_access')).toBeDefined();
  const after = cookies.find((cookie) => cookie.name === 'session_refresh')?.value;
  expect(after).toBeDefined();
  expect(after).not.toBe(before);
});

test('an invalid session clears the cookies and asks to log in', async ({ page, context, baseURL }) => {
  await context.addCookies([
    { name: 'session_access', value: 'not-a-token', url: baseURL!, httpOnly: true, sameSite: 'Lax' },
    { name: 'session_refresh', value: 'not-a-refresh-token', url: baseURL!, httpOnly: true, sameSite: 'Lax' },
  ]);
  await page.goto('/notes');
  await expect(page).toHaveURL('/login?redirectTo=%2Fnotes');
  expect((await context.cookies()).filter((cookie) => cookie.name.startsWith('session_'))).toEqual([]);
});

test('a gateway that is down gives a friendly 503 page, never a stack', async ({ browser }) => {
  const port = await freePort();
  const deadGateway = `http://127.0.0.1:${await freePort()}`;
  const baseURL = `http://localhost:${port}`;
  const app = await startWebApp({ PORT: String(port), ORIGIN: baseURL, GATEWAY_URL: deadGateway });
  const context = await browser.newContext({ baseURL });
  try {
    const page = await context.newPage();
    const landing = await page.goto('/');
    expect(landing?.status()).toBe(200);

    // A form says so next to itself.
    await page.goto('/login');
    await logIn(page, 'someone@example.com');
    await expect(page.getByRole('alert')).toHaveText(/The service is unavailable right now/);

    const token = `e30.${Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url')}.x`;
    await context.addCookies([
      { name: 'session_access', value: token, url: baseURL, httpOnly: true, sameSite: 'Lax' },
      { name: 'session_refresh', value: 'refresh', url: baseURL, httpOnly: true, sameSite: 'Lax' },
    ]);
    const response = await page.goto('/notes');
    expect(response?.status()).toBe(503);
    await expect(page).toHaveTitle('Service unavailable · Notes');
    await expect(page.getByRole('heading', { name: 'Service unavailable' })).toBeVisible();
    await expect(page.getByText('The service is unavailable right now.')).toBeVisible();
    const text = await page.locator('body').innerText();
    expect(text).not.toMatch(/ECONNREFUSED|fetch failed|127\.0\.0\.1|\bat .*\.js/);
    // The session survives an outage.
    expect((await context.cookies()).map((cookie) => cookie.name).sort()).toEqual([
      'session_access',
      'session_refresh',
    ]);
  } finally {
    await context.close();
    await stopChild(app);
  }
});
