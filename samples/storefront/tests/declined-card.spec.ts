// A quickfill saved and applied to two patients; a declined card keeps the cart: the order is PAYMENT_FAILED with the gateway's reason, the cart is open with the
// same lines, and checking out again with a good card places the order.
import { expect, test } from '@playwright/test';
import { AUSTIN, cartRow, emptyCart, newSignedInPage, selectPatients } from './helpers';

test('a quickfill for two patients; a declined card keeps the cart, another card places the order', async ({ browser }) => {
  const page = await newSignedInPage(browser, 'dana', AUSTIN);
  await emptyCart(page);
  // Saved once as a quickfill, applied to both patients in one call.
  const form = page.getByRole('region', { name: '2. Add to the selected patients' });
  await form.getByRole('combobox', { name: 'Product', exact: true }).selectOption({ label: 'Naltrexone (low-dose) 4.5 mg, 30 capsules' });
  const pharmacy = form.getByRole('combobox', { name: 'Pharmacy', exact: true });
  await pharmacy.selectOption((await pharmacy.locator('option', { hasText: 'Lone Star Apothecary' }).getAttribute('value'))!);
  await form.getByRole('textbox', { name: 'SIG (directions)' }).fill('Take 1 capsule by mouth at bedtime');
  await form.getByRole('combobox', { name: 'Prescriber', exact: true }).selectOption({ label: 'Marcus Whitfield' });
  await form.getByRole('textbox', { name: 'Save as quickfill' }).fill('LDN monthly');
  await form.getByRole('button', { name: 'Save quickfill' }).click();
  await expect(form.getByText('Saved quickfill “LDN monthly”.')).toBeVisible();
  await selectPatients(page, ['EVG-0039', 'EVG-0040']);
  await form.getByRole('radio', { name: 'A quickfill' }).check();
  await form.getByRole('combobox', { name: 'Quickfill' }).selectOption({ label: 'LDN monthly: Naltrexone (low-dose) 4.5 mg at Lone Star Apothecary, qty 1, 30 days' });
  await form.getByRole('button', { name: 'Add to 2 patients' }).click();
  await expect(form.getByText('Added for 2 patients.')).toBeVisible();
  const status = page.getByTestId('cart-status');
  await expect(status).toContainText('2 lines for 2 patients');
  await expect(status).toContainText('Ready to check out');
  const total = await page.getByTestId('cart-total').textContent();

  await page.getByRole('radio', { name: /Card declined/ }).check();
  await page.getByRole('button', { name: 'Validate and place order' }).click();
  const message = page.getByTestId('checkout-message');
  await expect(message).toContainText('Payment declined (card_declined)');
  await expect(message).toContainText('the cart is unchanged');
  await expect(page).not.toHaveURL(/#\/orders\//);
  await expect(status).toContainText('2 lines for 2 patients');
  await expect(cartRow(page, 'EVG-0039')).toBeVisible();
  await expect(cartRow(page, 'EVG-0040')).toBeVisible();
  await expect(page.getByTestId('cart-total')).toHaveText(total!);

  await page.getByRole('radio', { name: /Visa \(approved\)/ }).check();
  await page.getByRole('button', { name: 'Validate and place order' }).click();
  await expect(page).toHaveURL(/#\/orders\/HX-\d+$/);
  await expect(page.locator('tr[data-line]')).toHaveCount(2);
  await page.context().close();
});
