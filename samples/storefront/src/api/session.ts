// The coordinator's session: a short-lived JWT from the login endpoint (server/demo-login.mjs), kept in memory only,
// renewed a minute before it expires with the HttpOnly session cookie. No API key ever reaches the browser.

export interface SessionUser {
  username: string;
  name: string;
}

interface TokenResponse {
  accessToken: string;
  expiresAt: string;
  user: SessionUser;
}

type Listener = (user: SessionUser | null) => void;

let token: string | null = null;
let expiresAt = 0;
let user: SessionUser | null = null;
let renewTimer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<Listener>();

function apply(response: TokenResponse | null) {
  clearTimeout(renewTimer);
  token = response?.accessToken ?? null;
  expiresAt = response ? Date.parse(response.expiresAt) : 0;
  user = response?.user ?? null;
  if (response) {
    const renewIn = Math.max(5_000, expiresAt - Date.now() - 60_000);
    renewTimer = setTimeout(() => void renew(), renewIn);
  }
  listeners.forEach((l) => l(user));
}

async function post(path: string, body?: unknown): Promise<Response> {
  return fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export async function signIn(username: string, password: string): Promise<void> {
  const response = await post('/auth/login', { username, password });
  if (!response.ok) {
    const { error } = (await response.json().catch(() => ({ error: 'Sign-in failed.' }))) as { error?: string };
    throw new Error(error ?? 'Sign-in failed.');
  }
  apply((await response.json()) as TokenResponse);
}

/** Asks for a fresh token with the session cookie; signs out when the session has ended. */
export async function renew(): Promise<boolean> {
  try {
    const response = await post('/auth/token');
    if (!response.ok) {
      apply(null);
      return false;
    }
    apply((await response.json()) as TokenResponse);
    return true;
  } catch {
    return false;
  }
}

export async function signOut(): Promise<void> {
  apply(null);
  await post('/auth/logout').catch(() => undefined);
}

/** The current token, renewed first when it is about to expire. */
export async function accessToken(): Promise<string | null> {
  if (token && expiresAt - Date.now() < 30_000) await renew();
  return token;
}

export const currentUser = () => user;

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
