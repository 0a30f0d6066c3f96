// The clinic's one open cart, kept current from three sources: the cart query, the cartChanged subscription (every
// committed edit by anyone, validations included) and this coordinator's own mutations. Mutations select only the
// new version; the full cart arrives over the socket (or by a read, when the socket is down or slow).
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, isLive, onLiveChange, request, subscribe } from '../api/client';
import { CartChangedSubscription, CartQuery, CartValidateMutation } from '../api/operations';
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

  const load = useCallback(async () => {
    try {
      const data = await request(CartQuery, { clinicId });
      setError(null);
      // A read always reflects the server; take it unless a newer delivery already arrived.
      accept(data.cart);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [clinicId, accept]);

  useEffect(() => {
    void load();
  }, [load]);

  // Live: follow the current cart. Once checked out (here or by a colleague) the clinic has a new cart: read it.
  const cartId = cart?.id;
  useEffect(() => {
    if (!cartId) return;
    const stop = subscribe(
      CartChangedSubscription,
      { cartId },
      {
        next: (data) => {
          accept(data.cartChanged);
          if (data.cartChanged.status === 'CHECKED_OUT') void load();
        },
        error: (e: ApiError) => setError(`Live updates stopped: ${e.message}`),
      },
    );
    // The subscription only delivers changes after it is registered: read once more when the socket is (re)connected,
    // so an edit made in between is not missed.
    const stopLive = onLiveChange((live) => {
      if (live) setTimeout(() => void load(), 300);
    });
    return () => {
      stop();
      stopLive();
    };
  }, [cartId, accept, load]);

  const validate = useCallback(async () => {
    const current = cartRef.current;
    if (!current || current.lineCount === 0) return null;
    setValidating(true);
    try {
      const data = await request(CartValidateMutation, { cartId: current.id });
      const result = data.cartValidate;
      if (result.userErrors.length) {
        setError(result.userErrors.map((u) => u.message).join(' '));
        return null;
      }
      if (!isLive()) await load();
      else setTimeout(() => {
        if ((cartRef.current?.latestValidation?.id ?? '') !== result.validation?.id) void load();
      }, 2000);
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
      else setTimeout(check, 2000);
      clearTimeout(validateTimer.current);
      validateTimer.current = setTimeout(() => void validate(), 300);
    },
    [load, validate],
  );

  return { cart, error, setError, reload: load, edited, validate, validating, accept };
}
