// The other way to deploy the app: on its own origin, calling the API directly. start.sh lists the app's origin in
// Headless:Cors:AllowedOrigins; a page on that origin reads the API with the coordinator's token.
import { expect, test } from '@playwright/test';

test('a page on an allowed origin calls the API cross-origin with the coordinator’s token', async ({ browser }) => {
  const page = await (await browser.newContext()).newPage();
  await page.goto('/');
  const api = `http://127.0.0.1:${process.env.API_PORT ?? 5297}/graphql`;
  const result = await page.evaluate(async (url) => {
    const login = await fetch('/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'sam', password: 'refill-day' }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` },
      body: JSON.stringify({ query: '{ viewer { organization { name } } __schema { queryType { name } } }' }),
    });
    return { status: response.status, body: await response.json() };
  }, api);
  expect(result.status).toBe(200);
  expect(result.body.data).toEqual({ viewer: { organization: { name: 'Evergreen Telehealth (demo)' } }, __schema: { queryType: { name: 'Query' } } });
  await page.context().close();
});
