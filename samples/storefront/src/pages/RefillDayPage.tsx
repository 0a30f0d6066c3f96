import { useRef, useState } from 'react';
import { request } from '../api/client';
import { CartCheckoutMutation } from '../api/operations';
import type { Clinic } from '../AppData';
import { AddLinesForm } from '../components/AddLinesForm';
import { CartTable } from '../components/CartTable';
import { PatientPicker, type PickedPatient } from '../components/PatientPicker';
import { money, titleCase } from '../lib/format';
import { navigate } from '../lib/router';
import { useCart, type Cart } from './useCart';

/** The sandbox gateway's test cards (README "Sandbox gateway"); a brand on Stripe collects a PaymentMethod instead. */
const TEST_CARDS = [
  { id: 'pm_card_visa', label: 'Visa (approved)' },
  { id: 'pm_card_mastercard', label: 'Mastercard (approved)' },
  { id: 'pm_card_chargeDeclined', label: 'Card declined' },
  { id: 'pm_card_insufficientFunds', label: 'Insufficient funds' },
  { id: 'pm_card_expired', label: 'Expired card' },
];

export function RefillDayPage({ clinic }: { clinic: Clinic }) {
  const [selected, setSelected] = useState<Map<string, PickedPatient>>(new Map());
  const { cart, error, setError, edited, validate, validating, reload } = useCart(clinic.id);

  return (
    <>
      <h1>Refill day at {clinic.name}</h1>
      <div className="refill-grid">
        <PatientPicker selected={selected} onChange={setSelected} />
        <AddLinesForm clinic={clinic} patients={selected} onAdded={edited} />
      </div>
      <section className="panel" aria-labelledby="cart-heading">
        <div className="panel-head">
          <h2 id="cart-heading">3. Cart</h2>
          {cart && <CartStatus cart={cart} validating={validating} />}
          <button type="button" onClick={() => void validate()} disabled={!cart || cart.lineCount === 0 || validating}>
            {validating ? 'Validating…' : 'Validate'}
          </button>
        </div>
        {error && (
          <div className="error" role="alert">
            {error}{' '}
            <button
              type="button"
              className="link"
              onClick={() => {
                setError(null);
                void reload();
              }}
            >
              Reload the cart
            </button>
          </div>
        )}
        {!cart && !error && <p role="status">Loading the cart…</p>}
        {cart && <CartTable cart={cart} onEdited={edited} />}
      </section>
      {cart && cart.lineCount > 0 && (
        <div className="refill-grid">
          <Totals cart={cart} />
          <Checkout cart={cart} validate={validate} />
        </div>
      )}
    </>
  );
}

function CartStatus({ cart, validating }: { cart: Cart; validating: boolean }) {
  const v = cart.latestValidation;
  let text: string;
  if (cart.status !== 'OPEN') text = `Cart ${titleCase(cart.status)}`;
  else if (validating) text = 'Checking every line…';
  else if (!v) text = 'Not validated yet';
  else if (!v.current) text = 'Changed since the last validation';
  else if (v.passed) text = `Ready to check out${v.warningCount ? ` (${v.warningCount} warning${v.warningCount === 1 ? '' : 's'})` : ''}`;
  else text = `${v.errorCount} error${v.errorCount === 1 ? '' : 's'} to fix${v.warningCount ? `, ${v.warningCount} warning${v.warningCount === 1 ? '' : 's'}` : ''}`;
  return (
    <p className="cart-status" role="status" aria-live="polite" data-testid="cart-status">
      {cart.lineCount} line{cart.lineCount === 1 ? '' : 's'} for {cart.patientCount} patient{cart.patientCount === 1 ? '' : 's'} · version{' '}
      {cart.version} · {text}
    </p>
  );
}

function Totals({ cart }: { cart: Cart }) {
  return (
    <section className="panel" aria-labelledby="totals-heading">
      <h2 id="totals-heading">Totals by pharmacy</h2>
      <table className="totals">
        <thead>
          <tr>
            <th scope="col">Pharmacy</th>
            <th scope="col" className="num">
              Lines
            </th>
            <th scope="col" className="num">
              Shipments
            </th>
            <th scope="col" className="num">
              Subtotal
            </th>
            <th scope="col" className="num">
              Shipping
            </th>
            <th scope="col" className="num">
              Total
            </th>
          </tr>
        </thead>
        <tbody>
          {cart.pharmacyTotals.map((t) => (
            <tr key={t.pharmacy.id}>
              <th scope="row">{t.pharmacy.name}</th>
              <td className="num">{t.lineCount}</td>
              <td className="num">{t.shipmentCount}</td>
              <td className="num">{money(t.subtotal)}</td>
              <td className="num">{money(t.shipping)}</td>
              <td className="num">{money(t.total)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Cart</th>
            <td className="num">{cart.lineCount}</td>
            <td />
            <td className="num">{money(cart.totals.subtotal)}</td>
            <td className="num">{money(cart.totals.shipping)}</td>
            <td className="num" data-testid="cart-total">
              {money(cart.totals.total)}
            </td>
          </tr>
        </tfoot>
      </table>
    </section>
  );
}

function Checkout({ cart, validate }: { cart: Cart; validate: () => Promise<{ cartVersion: number; passed: boolean; errorCount: number } | null> }) {
  const [card, setCard] = useState(TEST_CARDS[0]!.id);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  // One idempotency key per attempt; kept when the network fails so "Place order" again retries the same checkout.
  const pendingKey = useRef<string | null>(null);

  async function placeOrder() {
    setBusy(true);
    setMessage(null);
    try {
      const validation = await validate();
      if (!validation) {
        setMessage('The cart could not be validated; try again.');
        return;
      }
      if (!validation.passed) {
        setMessage(`Fix the ${validation.errorCount} error${validation.errorCount === 1 ? '' : 's'} in the cart first.`);
        return;
      }
      pendingKey.current ??= crypto.randomUUID();
      const { cartCheckout } = await request(CartCheckoutMutation, {
        input: { cartId: cart.id, expectedVersion: validation.cartVersion, paymentMethodId: card, idempotencyKey: pendingKey.current },
      });
      pendingKey.current = null;
      const order = cartCheckout.order;
      if (order?.paymentStatus === 'FAILED' || order?.status === 'PAYMENT_FAILED') {
        const f = order.paymentFailure;
        setMessage(`Payment declined (${f?.code ?? 'declined'}): ${f?.message ?? 'the card was declined'}. Order ${order.number} was not placed; the cart is unchanged. Choose another card.`);
      } else if (cartCheckout.userErrors.length) {
        setMessage(cartCheckout.userErrors.map((u) => u.message).join(' '));
      } else if (order) {
        navigate(`#/orders/${encodeURIComponent(order.number)}`);
      }
    } catch (e) {
      setMessage(`Checkout did not finish: ${(e as Error).message}. Place the order again to retry safely (same idempotency key).`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel" aria-labelledby="checkout-heading">
      <h2 id="checkout-heading">4. Check out</h2>
      <fieldset>
        <legend>Payment method (sandbox test cards)</legend>
        {TEST_CARDS.map((c) => (
          <label key={c.id} className="radio">
            <input type="radio" name="card" value={c.id} checked={card === c.id} onChange={() => setCard(c.id)} /> {c.label}{' '}
            <code>{c.id}</code>
          </label>
        ))}
      </fieldset>
      <p>
        Total to authorize: <strong>{money(cart.totals.total)}</strong>. The card is charged only for the lines the
        pharmacies accept.
      </p>
      <button type="button" className="primary" onClick={() => void placeOrder()} disabled={busy || cart.status !== 'OPEN'}>
        {busy ? 'Placing the order…' : 'Validate and place order'}
      </button>
      <div aria-live="assertive">
        {message && (
          <p className="error" role="alert" data-testid="checkout-message">
            {message}
          </p>
        )}
      </div>
    </section>
  );
}
