import { expect, type Browser, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

export const SEATTLE = 'Evergreen Seattle Clinic';
export const AUSTIN = 'Evergreen Austin Clinic';

/** Signs in through the login form and picks a clinic. */
export async function signIn(page: Page, username = 'dana', clinic = SEATTLE) {
  await page.goto('/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('refill-day');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Clinic').selectOption({ label: clinic });
  await expect(page.getByRole('heading', { name: `Refill day at ${clinic}` })).toBeVisible();
  await expect(page.getByTestId('cart-status')).toBeVisible();
}

export async function newSignedInPage(browser: Browser, username = 'dana', clinic = SEATTLE) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, username, clinic);
  return page;
}

/**
 * Ticks patients by their external IDs: one or two by searching for each (the picker keeps the selection across
 * searches), more straight from the full list (the demo's 40 patients fit on it).
 */
export async function selectPatients(page: Page, externalIds: string[]) {
  const search = page.getByLabel('Search patients');
  const option = (id: string) => page.locator('.patient-option', { hasText: `(${id},` });
  if (externalIds.length <= 2) {
    for (const id of externalIds) {
      await search.fill(id);
      await expect(page.locator('.patient-option')).toHaveCount(1);
      await option(id).getByRole('checkbox').check();
    }
    await search.fill('');
  }
  await expect(page.locator('.patient-option')).toHaveCount(40);
  for (const id of externalIds) await option(id).getByRole('checkbox').check();
  await expect(page.getByText(`${externalIds.length} selected`)).toBeVisible();
}

export interface AddSpec {
  product: string;
  pharmacy?: string;
  quantity?: string;
  daysSupply?: string;
  sig?: string;
  prescriber?: string;
}

/** Fills the add form (product mode) for the selected patients and submits it. */
export async function addForSelected(page: Page, count: number, spec: AddSpec) {
  await page.getByRole('radio', { name: 'A product' }).check();
  const form = page.getByRole('region', { name: '2. Add to the selected patients' });
  await form.getByRole('combobox', { name: 'Product', exact: true }).selectOption({ label: spec.product });
  const pharmacy = form.getByRole('combobox', { name: 'Pharmacy', exact: true });
  if (spec.pharmacy) {
    await pharmacy.selectOption((await pharmacy.locator('option', { hasText: spec.pharmacy }).getAttribute('value'))!);
  } else {
    await pharmacy.selectOption('');
  }
  await form.getByRole('spinbutton', { name: 'Quantity', exact: true }).fill(spec.quantity ?? '1');
  await form.getByRole('spinbutton', { name: 'Days supply', exact: true }).fill(spec.daysSupply ?? '30');
  await form.getByRole('textbox', { name: 'SIG (directions)' }).fill(spec.sig ?? '');
  await form.getByRole('combobox', { name: 'Prescriber', exact: true }).selectOption(spec.prescriber ? { label: spec.prescriber } : '');
  await page.getByRole('button', { name: `Add to ${count} patient${count === 1 ? '' : 's'}` }).click();
  await expect(page.getByText(`Added for ${count} patient${count === 1 ? '' : 's'}.`)).toBeVisible();
  await page.getByRole('button', { name: 'Clear selection' }).click();
}

/** The cart row of a patient's line (one per patient and product). */
export const cartRow = (page: Page, externalId: string, product?: string) =>
  page.locator(`tr[data-patient="${externalId}"]${product ? `[data-product="${product}"]` : ''}`);

/** No serious or critical axe-core violation on the page as it is now. */
export async function expectAccessible(page: Page, exclude: string[] = []) {
  let builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  for (const selector of exclude) builder = builder.exclude(selector);
  const { violations } = await builder.analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`),
  ).toEqual([]);
}

/** Empties the clinic's cart through the UI (rows removed one by one). */
export async function emptyCart(page: Page) {
  const remove = page.getByRole('button', { name: /^Remove line for / });
  while ((await remove.count()) > 0) {
    const before = await remove.count();
    await remove.first().click();
    await expect(remove).toHaveCount(before - 1);
  }
}
