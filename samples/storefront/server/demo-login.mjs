// The sample's stand-in for a brand's identity provider: a Vite plugin (dev server and `vite preview`) that signs a
// demo coordinator in and issues short-lived JWTs the Headless API trusts (HS256, the key the API has as
// Headless:Auth:Jwt:SigningKey). The browser never holds an API key or the signing key: it gets a 15-minute token and
// an HttpOnly session cookie (path /auth) with which it asks for the next token before this one expires.
//
//   POST /auth/login   {"username":"dana","password":"refill-day"} -> {"accessToken","expiresAt","user"} + cookie
//   POST /auth/token   (cookie)                                     -> {"accessToken","expiresAt","user"} or 401
//   POST /auth/logout                                               -> 204, cookie cleared
//
// A brand replaces this file with its own IdP (see README "Your own identity provider"): the API only needs a token
// signed with a key it trusts, with the organization's global ID in org_id and "headless:write" in scope.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

const b64url = (input) => Buffer.from(input).toString('base64url');

/** Settings from the environment; the defaults are the sample's development values and match start.sh. */
export function loginSettings(env = process.env) {
  const signingKey = env.HEADLESS_JWT_SIGNING_KEY ?? 'storefront-demo-signing-key-change-me-0123456789';
  if (Buffer.byteLength(signingKey) < 32) {
    throw new Error('HEADLESS_JWT_SIGNING_KEY must be at least 32 bytes (the API refuses shorter HS256 keys).');
  }
  return {
    signingKey,
    issuer: env.HEADLESS_JWT_ISSUER ?? 'headless-storefront-demo',
    audience: env.HEADLESS_JWT_AUDIENCE ?? 'headless-api',
    // The demo organization is the first one a fresh database seeds: global ID base64url("Organization:1").
    organizationId: env.HEADLESS_ORG_ID ?? b64url('Organization:1'),
    tokenMinutes: Number(env.STOREFRONT_TOKEN_MINUTES ?? 15),
    sessionHours: Number(env.STOREFRONT_SESSION_HOURS ?? 8),
    password: env.STOREFRONT_DEMO_PASSWORD ?? 'refill-day',
  };
}

/** The demo coordinators. A real IdP has its own users; the API only sees the token's sub and name. */
export const demoUsers = {
  dana: { name: 'Dana Reyes' },
  sam: { name: 'Sam Lee' },
};

export function signJwt(claims, key) {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify(claims));
  const signature = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** Issues one access token for a user. */
export function issueToken(settings, username, now = Date.now()) {
  const iat = Math.floor(now / 1000);
  const exp = iat + settings.tokenMinutes * 60;
  const accessToken = signJwt(
    {
      iss: settings.issuer,
      aud: settings.audience,
      sub: `coordinator:${username}`,
      name: demoUsers[username].name,
      org_id: settings.organizationId,
      scope: 'headless:write',
      iat,
      nbf: iat,
      exp,
      jti: randomUUID(),
    },
    settings.signingKey,
  );
  return { accessToken, expiresAt: new Date(exp * 1000).toISOString(), user: { username, name: demoUsers[username].name } };
}

// The session cookie is "username.expiry.hmac", keyed with a key derived from the signing key, so it cannot be
// replayed as a JWT and a cookie cannot be forged without the key.
function sessionKey(settings) {
  return createHmac('sha256', settings.signingKey).update('storefront-session').digest();
}

function sessionCookie(settings, username, now = Date.now()) {
  const exp = Math.floor(now / 1000) + settings.sessionHours * 3600;
  const value = `${username}.${exp}`;
  const mac = createHmac('sha256', sessionKey(settings)).update(value).digest('base64url');
  return `sf_session=${value}.${mac}; HttpOnly; SameSite=Strict; Path=/auth; Max-Age=${settings.sessionHours * 3600}`;
}

function sessionUser(settings, cookieHeader, now = Date.now()) {
  const match = /(?:^|;\s*)sf_session=([a-z]+)\.(\d+)\.([A-Za-z0-9_-]+)/.exec(cookieHeader ?? '');
  if (!match) return null;
  const [, username, exp, mac] = match;
  const expected = createHmac('sha256', sessionKey(settings)).update(`${username}.${exp}`).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (Number(exp) * 1000 < now || !(username in demoUsers)) return null;
  return username;
}

function safeEqual(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
}

async function readJson(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('too large');
  }
  return JSON.parse(body || '{}');
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

/** A connect middleware for /auth/*. */
export function loginMiddleware(settings = loginSettings()) {
  return async (req, res, next) => {
    const url = req.url?.split('?')[0];
    if (!url?.startsWith('/auth/')) return next();
    if (req.method !== 'POST') return send(res, 405, { error: 'Use POST.' });
    try {
      if (url === '/auth/login') {
        const { username, password } = await readJson(req);
        if (typeof username !== 'string' || !(username in demoUsers) || !safeEqual(password ?? '', settings.password)) {
          return send(res, 401, { error: 'Unknown user or wrong password.' });
        }
        return send(res, 200, issueToken(settings, username), { 'Set-Cookie': sessionCookie(settings, username) });
      }
      if (url === '/auth/token') {
        const username = sessionUser(settings, req.headers.cookie);
        if (!username) return send(res, 401, { error: 'Signed out: sign in again.' });
        return send(res, 200, issueToken(settings, username));
      }
      if (url === '/auth/logout') {
        return send(res, 204, undefined, { 'Set-Cookie': 'sf_session=; HttpOnly; SameSite=Strict; Path=/auth; Max-Age=0' });
      }
      return send(res, 404, { error: 'No such endpoint.' });
    } catch {
      return send(res, 400, { error: 'Send JSON: {"username": "...", "password": "..."}.' });
    }
  };
}

/** The Vite plugin: the same endpoints on `vite` (development) and `vite preview` (the built app). */
export function demoLogin() {
  const settings = loginSettings();
  const middleware = loginMiddleware(settings);
  return {
    name: 'headless-demo-login',
    configureServer(server) {
      server.middlewares.use(middleware);
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware);
    },
  };
}
