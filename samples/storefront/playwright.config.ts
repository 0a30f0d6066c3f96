import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

// Debian's Chromium (apt-get install chromium), never a downloaded browser: without it the run fails, it never skips.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  throw new Error(`No Chromium at ${executablePath}: apt-get install chromium (or set CHROMIUM_PATH). Never npx playwright install.`);
}
const port = Number(process.env.STOREFRONT_PORT ?? 4297);

export default defineConfig({
  testDir: './tests',
  // One API, one database: the tests share the demo organization, so they run one after another.
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  forbidOnly: !!process.env.CI,
  reporter: process.env.CI ? [['list']] : [['list']],
  outputDir: '.tmp/test-results',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    viewport: { width: 1600, height: 1000 },
    launchOptions: {
      executablePath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  // start.sh --e2e: the simulator (one lifecycle step a second), the API on a fresh SQLite database with the demo
  // data (from the built dll, no rebuild) and the built app (vite preview); ready when the app answers.
  webServer: {
    command: './start.sh --e2e',
    url: `http://127.0.0.1:${port}/`,
    timeout: 180_000,
    // Every run needs the fresh database start.sh makes; STOREFRONT_REUSE=1 runs against a stack you started yourself
    // with `./start.sh --e2e` (handy while writing a test; the refill day expects a fresh database).
    reuseExistingServer: process.env.STOREFRONT_REUSE === '1' && !process.env.CI,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
  },
});
