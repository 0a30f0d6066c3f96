// Two coordinators on one clinic's cart, in two browser contexts (two sessions): each sees the other's edits without
// reloading, over the cartChanged subscription.
import { expect, test } from '@playwright/test';
import { addForSelected, AUSTIN, cartRow, emptyCart, newSignedInPage, selectPatients } from './helpers';

test('two coordinators editing one cart see each other’s changes live', async ({ browser }) => {
  const dana = await newSignedInPage(browser, 'dana', AUSTIN);
  const sam = await newSignedInPage(browser, 'sam', AUSTIN);
  await expect(sam.getByText('Signed in as Sam Lee')).toBeVisible();
  await emptyCart(dana);
  await expect(sam.getByTestId('cart-status')).toContainText('0 lines');
  for (const page of [dana, sam]) await expect(page.getByText('Live', { exact: true })).toBeVisible();
  await sam.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));

  // Dana adds; Sam's table shows the line.
  await selectPatients(dana, ['EVG-0012']);
  await addForSelected(dana, 1, {
    product: 'Progesterone (micronized) 100 mg, 30 capsules',
    sig: 'Take 1 capsule by mouth at bedtime',
    prescriber: 'Marcus Whitfield',
  });
  const samRow = cartRow(sam, 'EVG-0012');
  await expect(samRow).toBeVisible();
  await expect(samRow.getByLabel(/^Quantity for /)).toHaveValue('1');

  // Sam changes the quantity; Dana's input follows.
  await samRow.getByLabel(/^Quantity for /).fill('2');
  await samRow.getByLabel(/^Quantity for /).press('Enter');
  await expect(cartRow(dana, 'EVG-0012').getByLabel(/^Quantity for /)).toHaveValue('2');

  // Dana changes the SIG and Sam sees it; then Sam removes the line and it leaves Dana's table.
  const sig = cartRow(dana, 'EVG-0012').getByLabel(/^SIG for /);
  await sig.fill('Take 2 capsules by mouth at bedtime');
  await sig.press('Enter');
  await expect(samRow.getByLabel(/^SIG for /)).toHaveValue('Take 2 capsules by mouth at bedtime');
  await samRow.getByRole('button', { name: /^Remove line for / }).click();
  await expect(cartRow(dana, 'EVG-0012')).toHaveCount(0);
  await expect(dana.getByTestId('cart-status')).toContainText('0 lines');

  expect(await sam.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
  await dana.context().close();
  await sam.context().close();
});
