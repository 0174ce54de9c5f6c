import { expect, test } from '@playwright/test';

test('landing page', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveTitle(/Notes/);
});
