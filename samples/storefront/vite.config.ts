import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { demoLogin } from './server/demo-login.mjs';

// Where the Headless API listens. The dev server and `vite preview` proxy /graphql (HTTP and WebSocket) to it, so the
// browser talks to one origin and needs no CORS. To call the API cross-origin instead, build with
// VITE_HEADLESS_API_URL=https://api.example.com/graphql and list the app's origin in Headless:Cors:AllowedOrigins.
const api = process.env.HEADLESS_API_ORIGIN ?? 'http://127.0.0.1:5099';
const proxy = {
  '/graphql': {
    target: api,
    changeOrigin: true,
    ws: true,
    // A browser tab closing resets its socket; that is not worth a stack trace in the terminal.
    configure: (p: { on: (event: 'error', listener: (e: NodeJS.ErrnoException) => void) => void }) =>
      p.on('error', (e) => {
        if (e.code !== 'ECONNRESET') console.error(`[proxy] ${e.message}`);
      }),
  },
};

export default defineConfig({
  plugins: [react(), demoLogin()],
  server: { host: '127.0.0.1', port: Number(process.env.STOREFRONT_PORT ?? 5173), strictPort: true, proxy },
  preview: { host: '127.0.0.1', port: Number(process.env.STOREFRONT_PORT ?? 4173), strictPort: true, proxy },
  build: { chunkSizeWarningLimit: 3000 },
  // GraphiQL's Monaco workers are imported with ?worker, which the dev server's dependency pre-bundling cannot load:
  // serve that module as it is (the production build handles it either way).
  optimizeDeps: { exclude: ['graphiql/setup-workers/vite', '@graphiql/react/setup-workers/vite'] },
});
