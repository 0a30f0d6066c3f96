// The clinic's one open cart, kept current from three sources: the cart query, the cartChanged subscription (every
// committed edit by anyone, validations included) and this coordinator's own mutations. Mutations select only the
// new version; the full cart arrives over the socket (or by a read, when the socket is down or slow).
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, isLive, onLiveChange, request, subscribe } from '../api/client';
import { CartChangedSubscription, CartIdQuery, CartQuery, CartValidateMutation } from '../api/operations';
import type { CartFieldsFragment } from '../gql/graphql';

export type Cart = CartFieldsFragment;
export type CartLine = Cart['lines']['nodes'][number];

/** Newer wins: a higher version, or the same version with a newer validation (validating does not bump it). */
function newer(candidate: Cart, current: Cart | null): boolean {
  if (!current || candidate.id !== current.id) return true;
  if (candidate.version !== current.version) return candidate.version > current.version;
  const a = candidate.latestValidation?.validatedAt ?? '';
  const b = current.latestValidation?.validatedAt ?? '';
  return a >= b;
}

export function useCart(clinicId: string) {
  const [cart, setCart] = useState<Cart | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [validating, setValidating] = useState(false);
  const cartRef = useRef<Cart | null>(null);
  const validateTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const accept = useCallback((next: Cart) => {
    if (!newer(next, cartRef.current)) return;
    cartRef.current = next;
    setCart(next);
  }, []);

  const [cartId, setCartId] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  const load = useCallback(async () => {
    try {
      const data = await request(CartQuery, { clinicId });
      setError(null);
      // A read always reflects the server; take it unless a newer delivery already arrived.
      accept(data.cart);
      setCartId(data.cart.id);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [clinicId, accept]);

  // First the cart's ID (cheap), then the subscription, then one full read once the socket is up: the subscription
  // only delivers changes made after it registered, and the read covers everything before. Costs one full read and
  // one subscribe per screen, within the organization's query cost budget.
  useEffect(() => {
    let cancelled = false;
    request(CartIdQuery, { clinicId })
      .then((d) => !cancelled && setCartId(d.cart.id))
      .catch((e: Error) => !cancelled && setError(e.message));
    return () => {
      cancelled = true;
    };
  }, [clinicId]);

  useEffect(() => {
    if (!cartId) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const readSoon = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => void load(), ms);
    };
    const stop = subscribe(
      CartChangedSubscription,
      { cartId },
      {
        next: (data) => {
          accept(data.cartChanged);
          // Checked out (here or by a colleague): the clinic has a new cart; follow that one (this effect reads it).
          if (data.cartChanged.status === 'CHECKED_OUT') {
            request(CartIdQuery, { clinicId })
              .then((d) => setCartId(d.cart.id))
              .catch((e: Error) => setError(e.message));
          }
        },
        error: (e: ApiError) => {
          // e.g. THROTTLED when the cost budget is spent: say so, and subscribe again a little later.
          setError(`Live updates paused: ${e.message} Retrying…`);
          setTimeout(() => setAttempt((a) => a + 1), 10_000);
        },
      },
    );
    const stopLive = onLiveChange((live) => {
      if (live) readSoon(300);
    });
    // Already connected (another screen's subscription), or no socket at all (a proxy without WebSocket): read anyway.
    readSoon(isLive() ? 300 : 3000);
    return () => {
      clearTimeout(timer);
      stop();
      stopLive();
    };
  }, [cartId, attempt, clinicId, accept, load]);

  const validate = useCallback(async () => {
    const current = cartRef.current;
    if (!current) return null;
    setValidating(true);
    try {
      const data = await request(CartValidateMutation, { cartId: current.id });
      const result = data.cartValidate;
      if (result.userErrors.length) {
        setError(result.userErrors.map((u) => u.message).join(' '));
        return null;
      }
      // The validated cart arrives over the socket. Read it only when no validation of this version (or a later one)
      // has arrived by then: a full read costs about as much as the whole cart, so it is the fallback, not the rule.
      const seen = () => (cartRef.current?.latestValidation?.cartVersion ?? -1) >= (result.validation?.cartVersion ?? 0);
      if (!isLive()) await load();
      else setTimeout(() => !seen() && void load(), 3000);
      return result.validation ?? null;
    } catch (e) {
      setError((e as Error).message);
      return null;
    } finally {
      setValidating(false);
    }
  }, [load]);

  /** After this coordinator's edit reached `version`: make sure the screen shows it, then re-run validation. */
  const edited = useCallback(
    (version: number) => {
      const check = () => {
        if ((cartRef.current?.version ?? 0) < version) void load();
      };
      if (!isLive()) check();
      else setTimeout(check, 3000);
      clearTimeout(validateTimer.current);
      validateTimer.current = setTimeout(() => void validate(), 300);
    },
    [load, validate],
  );

  return { cart, error, setError, reload: load, edited, validate, validating, accept };
}
