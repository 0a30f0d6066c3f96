import { useCallback, useEffect, useRef, useState, type FormEvent, type Ref } from 'react';
import { isLive, onLiveChange, request, subscribe } from '../api/client';
import {
  OrderLineChangedSubscription,
  OrderQuery,
  OrderSummaryQuery,
  SupportTicketOpenMutation,
  SupportTicketsQuery,
  TrackingLinkCreateMutation,
} from '../api/operations';
import type { OrderLineFieldsFragment, OrderQuery as OrderResult, SupportTicketsQuery as TicketsResult } from '../gql/graphql';
import { dateTime, fullName, money, titleCase } from '../lib/format';

type Order = NonNullable<OrderResult['order']>;
type Line = OrderLineFieldsFragment;
type Ticket = TicketsResult['supportTickets']['nodes'][number];

const FINAL = new Set(['DELIVERED', 'REJECTED', 'CANCELLED', 'PAYMENT_FAILED']);

/** The order with one row per line, following orderLineStatusChanged live (no reload, no polling). */
export function OrderPage({ number, focusLine }: { number: string; focusLine: string | null }) {
  const [order, setOrder] = useState<Order | null>(null);
  const [lines, setLines] = useState<Map<string, Line>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const [notFound, setNotFound] = useState(false);
  const cursor = useRef<string | null>(null);

  // A line replaces the one shown only when its sequence is higher: replays and reads never move a line back.
  const acceptLine = useCallback((line: Line) => {
    setLines((prev) => {
      const current = prev.get(line.id);
      if (current && current.sequence >= line.sequence) return prev;
      const next = new Map(prev);
      next.set(line.id, line);
      return next;
    });
  }, []);

  const load = useCallback(async () => {
    try {
      const data = await request(OrderQuery, { number });
      if (!data.order) {
        setNotFound(true);
        return;
      }
      setOrder(data.order);
      data.order.lines.nodes.forEach(acceptLine);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [number, acceptLine]);

  useEffect(() => {
    setLines(new Map());
    cursor.current = null;
    void load();
  }, [load]);

  const refreshSummary = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const orderId = order?.id;
  useEffect(() => {
    if (!orderId) return;
    let stop = () => {};
    const start = () => {
      stop();
      stop = subscribe(
        OrderLineChangedSubscription,
        // After a reconnect, resume right after the last change handled: the server replays what was missed.
        { orderId, after: cursor.current },
        {
          next: (data) => {
            const change = data.orderLineStatusChanged;
            cursor.current = change.cursor;
            acceptLine(change.line);
            clearTimeout(refreshSummary.current);
            refreshSummary.current = setTimeout(() => {
              request(OrderSummaryQuery, { number })
                .then((d) => d.order && setOrder((o) => (o ? { ...o, ...d.order } : o)))
                .catch(() => undefined);
            }, 500);
          },
          error: (e) => setError(`Live updates stopped: ${e.message}`),
        },
      );
    };
    start();
    // On every (re)connect: with a cursor, subscribe again from it (the server replays what the socket missed);
    // without one yet, one more read covers the changes between the first read and the subscription's start.
    let wasLive = isLive();
    const stopLive = onLiveChange((live) => {
      const connected = live && !wasLive;
      wasLive = live;
      if (!connected) return;
      if (cursor.current) start();
      else setTimeout(() => void load(), 300);
    });
    if (wasLive) setTimeout(() => void load(), 300);
    return () => {
      stop();
      stopLive();
    };
  }, [orderId, number, acceptLine, load]);

  const focusRef = useRef<HTMLTableRowElement | null>(null);
  useEffect(() => {
    if (focusLine && focusRef.current) {
      focusRef.current.scrollIntoView({ block: 'center' });
      focusRef.current.focus();
    }
  }, [focusLine, order?.id]);

  if (notFound) return <p className="page-state">No order {number} in your organization.</p>;
  if (!order) {
    return error ? (
      <p className="error" role="alert">
        Could not load order {number}: {error}
      </p>
    ) : (
      <p role="status">Loading order {number}…</p>
    );
  }

  const rows = order.lines.nodes.map((l) => lines.get(l.id) ?? l);
  const done = rows.filter((l) => FINAL.has(l.status)).length;
  const counts = new Map<string, number>();
  rows.forEach((l) => counts.set(l.status, (counts.get(l.status) ?? 0) + 1));

  return (
    <>
      <h1>Order {order.number}</h1>
      <section className="panel" aria-labelledby="order-summary">
        <h2 id="order-summary" className="visually-hidden">
          Summary
        </h2>
        <dl className="summary">
          <div>
            <dt>Clinic</dt>
            <dd>{order.clinic.name}</dd>
          </div>
          <div>
            <dt>Placed</dt>
            <dd>{dateTime(order.placedAt)}</dd>
          </div>
          <div>
            <dt>Payment</dt>
            <dd data-testid="payment-status">{titleCase(order.paymentStatus)}</dd>
          </div>
          <div>
            <dt>Total</dt>
            <dd>{money(order.total)}</dd>
          </div>
          <div>
            <dt>Captured</dt>
            <dd>{money(order.capturedAmount)}</dd>
          </div>
          <div>
            <dt>Refunded</dt>
            <dd>{money(order.refundedAmount)}</dd>
          </div>
        </dl>
        <p role="status" aria-live="polite" data-testid="order-progress">
          {done} of {rows.length} lines final ·{' '}
          {[...counts.entries()].map(([s, n]) => `${n} ${titleCase(s).toLowerCase()}`).join(', ')}
        </p>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </section>
      <div className="table-scroll">
        <table className="order-table">
          <caption className="visually-hidden">Order lines with status, owner, reason and tracking</caption>
          <thead>
            <tr>
              <th scope="col">Line</th>
              <th scope="col">Patient</th>
              <th scope="col">Product</th>
              <th scope="col">Pharmacy</th>
              <th scope="col">Status</th>
              <th scope="col">Owner</th>
              <th scope="col">Reason</th>
              <th scope="col">Tracking</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((line) => (
              <OrderLineRow key={line.id} line={line} focused={line.number === focusLine} rowRef={line.number === focusLine ? focusRef : undefined} />
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function OrderLineRow({ line, focused, rowRef }: { line: Line; focused: boolean; rowRef?: Ref<HTMLTableRowElement> }) {
  const [panel, setPanel] = useState<'none' | 'ticket'>('none');
  const [link, setLink] = useState<{ url: string; expiresAt: string } | null>(null);
  const [tickets, setTickets] = useState<Ticket[] | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const who = `${line.number} (${fullName(line.patient)})`;

  async function createLink() {
    setBusy(true);
    setMessage(null);
    try {
      const { trackingLinkCreate } = await request(TrackingLinkCreateMutation, { lineId: line.id });
      if (trackingLinkCreate.url && trackingLinkCreate.link) setLink({ url: trackingLinkCreate.url, expiresAt: trackingLinkCreate.link.expiresAt });
      else setMessage(trackingLinkCreate.userErrors.map((u) => u.message).join(' '));
    } catch (e) {
      setMessage((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  async function openTicketPanel() {
    setPanel(panel === 'ticket' ? 'none' : 'ticket');
    if (tickets === null) {
      request(SupportTicketsQuery, { lineId: line.id })
        .then((d) => setTickets(d.supportTickets.nodes))
        .catch(() => setTickets([]));
    }
  }

  return (
    <>
      <tr
        ref={rowRef}
        tabIndex={focused ? -1 : undefined}
        className={focused ? 'focused' : undefined}
        aria-current={focused ? 'true' : undefined}
        data-line={line.number}
        data-status={line.status}
      >
        <th scope="row">{line.number}</th>
        <td>
          {fullName(line.patient)}
          <div className="sub">{line.patient.externalId}</div>
        </td>
        <td>
          {line.product.name} {line.product.strength}
          <div className="sub">qty {line.quantity}</div>
        </td>
        <td>{line.pharmacy.name}</td>
        <td>
          <span className={`status status-${line.status.toLowerCase()}`} data-testid="line-status">
            {titleCase(line.status)}
          </span>
          <div className="sub">since {dateTime(line.statusSince)}</div>
        </td>
        <td data-testid="line-owner">{titleCase(line.owner)}</td>
        <td>
          {line.statusReason ? (
            <>
              <code>{line.statusReason.code}</code> {line.statusReason.message}
              {line.statusReason.fixable && <div className="sub">Fixable: correct and resubmit</div>}
            </>
          ) : (
            <span className="sub">—</span>
          )}
        </td>
        <td data-testid="line-tracking">
          {line.tracking ? (
            line.tracking.url ? (
              <a href={line.tracking.url} target="_blank" rel="noreferrer noopener">
                {line.tracking.carrier} {line.tracking.number}
              </a>
            ) : (
              `${line.tracking.carrier ?? ''} ${line.tracking.number ?? ''}`
            )
          ) : (
            <span className="sub">Not shipped</span>
          )}
        </td>
        <td className="num">
          {money(line.amount)}
          <div className="sub">{titleCase(line.paymentStatus)}</div>
        </td>
        <td className="row-actions">
          <button type="button" disabled={busy} onClick={() => void createLink()} aria-label={`Create tracking link for ${who}`}>
            Tracking link
          </button>
          <button type="button" onClick={() => void openTicketPanel()} aria-expanded={panel === 'ticket'} aria-label={`Support ticket for ${who}`}>
            Support ticket
          </button>
        </td>
      </tr>
      {(link || message || panel === 'ticket') && (
        <tr className="detail-row">
          <td colSpan={10}>
            {message && (
              <p className="error" role="alert">
                {message}
              </p>
            )}
            {link && (
              <div className="tracking-link" role="status">
                <label>
                  Tracking link for {line.number} (shown once, expires {dateTime(link.expiresAt)})
                  <input readOnly value={link.url} onFocus={(e) => e.target.select()} />
                </label>
                <a href={link.url} target="_blank" rel="noreferrer noopener">
                  Open the patient’s page
                </a>
              </div>
            )}
            {panel === 'ticket' && <TicketPanel line={line} tickets={tickets} onOpened={(t) => setTickets((ts) => [...(ts ?? []), t])} />}
          </td>
        </tr>
      )}
    </>
  );
}

function TicketPanel({ line, tickets, onOpened }: { line: Line; tickets: Ticket[] | null; onOpened: (t: Ticket) => void }) {
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function open(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { supportTicketOpen } = await request(SupportTicketOpenMutation, { lineId: line.id, subject, message: body });
      if (supportTicketOpen.ticket) {
        onOpened(supportTicketOpen.ticket);
        setSubject('');
        setBody('');
      } else {
        setError(supportTicketOpen.userErrors.map((u) => u.message).join(' '));
      }
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="ticket-panel">
      <h3>Support tickets on {line.number}</h3>
      {tickets === null ? (
        <p role="status">Loading tickets…</p>
      ) : tickets.length === 0 ? (
        <p>No ticket on this line yet.</p>
      ) : (
        <ul>
          {tickets.map((t) => (
            <li key={t.id} data-testid="ticket">
              <strong>{t.number}</strong> {t.subject} · {titleCase(t.status)} · {t.messageCount} message{t.messageCount === 1 ? '' : 's'}
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={open}>
        <label>
          Subject
          <input value={subject} onChange={(e) => setSubject(e.target.value)} required maxLength={200} />
        </label>
        <label>
          Message
          <textarea value={body} onChange={(e) => setBody(e.target.value)} required maxLength={5000} rows={3} />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Opening…' : 'Open ticket'}
        </button>
      </form>
    </div>
  );
}

