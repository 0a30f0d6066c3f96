// A declined card keeps the cart: the order is PAYMENT_FAILED with the gateway's reason, the cart is open with the
// same lines, and checking out again with a good card places the order.
import { expect, test } from '@playwright/test';
import { addForSelected, AUSTIN, cartRow, emptyCart, newSignedInPage, selectPatients } from './helpers';

test('a declined card keeps the cart, another card places the order', async ({ browser }) => {
  const page = await newSignedInPage(browser, 'dana', AUSTIN);
  await emptyCart(page);
  await selectPatients(page, ['EVG-0039', 'EVG-0040']);
  await addForSelected(page, 2, {
    product: 'Naltrexone (low-dose) 4.5 mg, 30 capsules',
    pharmacy: 'Lone Star Apothecary',
    sig: 'Take 1 capsule by mouth at bedtime',
    prescriber: 'Marcus Whitfield',
  });
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
