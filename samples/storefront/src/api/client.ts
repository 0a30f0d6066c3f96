// GraphQL over HTTP for queries and mutations, graphql-ws (graphql-transport-ws) for subscriptions. Both send the
// coordinator's JWT as "Authorization: Bearer ...": in the request header, and in connection_init's payload.
import { createClient, type Client } from 'graphql-ws';
import type { TypedDocumentString } from '../gql/graphql';
import { accessToken, onSessionChange, renew, signOut } from './session';

/** Same-origin /graphql (proxied to the API) unless the build names the API: then CORS must allow this origin. */
export const apiUrl: string = import.meta.env.VITE_HEADLESS_API_URL ?? '/graphql';

function webSocketUrl(): string {
  const url = new URL(apiUrl, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/** A top-level GraphQL error or a transport failure, with the API's extensions.code when it sent one. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly status?: number,
  ) {
    super(message);
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs one query or mutation. Renews the token once on 401; waits out THROTTLED (429) up to three times. */
export async function request<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  ...[variables]: TVariables extends Record<string, never> ? [] : [TVariables]
): Promise<TResult> {
  for (let attempt = 0; ; attempt++) {
    const token = await accessToken();
    if (!token) throw new ApiError('Signed out: sign in again.', 'UNAUTHENTICATED', 401);
    let response: Response;
    try {
      response = await fetch(apiUrl, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/graphql-response+json, application/json',
          Authorization: `Bearer ${token}`,
        },
        body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
      });
    } catch {
      throw new ApiError('The API cannot be reached. Is it running?', 'NETWORK');
    }
    if (response.status === 401 && attempt === 0 && (await renew())) continue;
    if (response.status === 401) {
      await signOut();
      throw new ApiError('Your session ended: sign in again.', 'UNAUTHENTICATED', 401);
    }
    if (response.status === 429 && attempt < 3) {
      const seconds = Number(response.headers.get('Retry-After') ?? '1');
      await sleep(Math.min(10, Math.max(1, seconds)) * 1000);
      continue;
    }
    let body: GraphQLResponse<TResult>;
    try {
      body = (await response.json()) as GraphQLResponse<TResult>;
    } catch {
      throw new ApiError(`The API answered HTTP ${response.status}.`, 'HTTP', response.status);
    }
    if (body.errors?.length) {
      const first = body.errors[0]!;
      throw new ApiError(first.message, first.extensions?.code, response.status);
    }
    if (!body.data) throw new ApiError(`The API answered HTTP ${response.status} without data.`, 'HTTP', response.status);
    return body.data;
  }
}

// ---- subscriptions

type LiveListener = (live: boolean) => void;
let client: Client | null = null;
let live = false;
let active = 0;
const liveListeners = new Set<LiveListener>();

function setLive(value: boolean) {
  live = value;
  liveListeners.forEach((l) => l(value));
}

/** How many subscriptions this page runs: the header shows "Live" or "Reconnecting…" only while there are some.
 * Listeners of onLiveChange hear only real connects and disconnects (a reconnect is when screens read again). */
export const activeSubscriptions = () => active;

function wsClient(): Client {
  client ??= createClient({
    url: webSocketUrl(),
    lazy: true,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    // Called on every (re)connect, so a reconnect after the token was renewed sends the new one.
    connectionParams: async () => ({ Authorization: `Bearer ${(await accessToken()) ?? ''}` }),
    on: {
      connected: () => setLive(true),
      closed: () => setLive(false),
    },
  });
  return client;
}

onSessionChange((user) => {
  if (!user && client) {
    void client.dispose();
    client = null;
    setLive(false);
  }
});

export interface SubscriptionHandlers<T> {
  next: (data: T) => void;
  error?: (error: ApiError) => void;
}

/** Subscribes; returns the function that stops it. The socket reconnects by itself; callers resume by cursor. */
export function subscribe<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  handlers: SubscriptionHandlers<TResult>,
): () => void {
  active++;
  const stop = wsClient().subscribe<TResult>(
    { query: document.toString(), variables: variables as Record<string, unknown> },
    {
      next: (result) => {
        if (result.errors?.length) {
          const first = result.errors[0]!;
          handlers.error?.(new ApiError(first.message, (first.extensions as { code?: string } | undefined)?.code));
        } else if (result.data) {
          handlers.next(result.data as TResult);
        }
      },
      error: (e) => {
        const message = Array.isArray(e) ? String(e[0]?.message) : e instanceof Error ? e.message : 'The live connection failed.';
        handlers.error?.(new ApiError(message, 'SUBSCRIPTION'));
      },
      complete: () => undefined,
    },
  );
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    active--;
    stop();
  };
}

export const isLive = () => live;

export function onLiveChange(listener: LiveListener): () => void {
  liveListeners.add(listener);
  return () => liveListeners.delete(listener);
}
