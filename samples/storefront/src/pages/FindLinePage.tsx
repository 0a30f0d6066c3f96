import { useEffect, useState, type FormEvent } from 'react';
import { request } from '../api/client';
import { OrderLinesSearchQuery, OrdersQuery } from '../api/operations';
import { useAppData } from '../AppData';
import type { OrderLinesSearchQuery as SearchResult, OrdersQuery as OrdersResult } from '../gql/graphql';
import { dateTime, fullName, money, titleCase } from '../lib/format';
import { navigate } from '../lib/router';

type FoundLine = SearchResult['orderLines']['nodes'][number];

/** Line numbers are the order's number plus a line suffix (HX-10042-03 is a line of HX-10042). */
const orderNumberOf = (lineNumber: string) => lineNumber.replace(/-\d+$/, '');
const lineHref = (lineNumber: string) =>
  `#/orders/${encodeURIComponent(orderNumberOf(lineNumber))}?line=${encodeURIComponent(lineNumber)}`;

/** "Where is my semaglutide?": search a patient's name and land on their lines, not on the parent orders. */
export function FindLinePage({ initialSearch }: { initialSearch: string }) {
  const { clinic } = useAppData();
  const [search, setSearch] = useState(initialSearch);
  const [found, setFound] = useState<FoundLine[] | null>(null);
  const [orders, setOrders] = useState<OrdersResult['orders']['nodes'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    request(OrdersQuery, { clinicId: clinic?.id ?? null })
      .then((d) => setOrders(d.orders.nodes))
      .catch((e: Error) => setError(e.message));
  }, [clinic?.id]);

  async function run(term: string) {
    if (!term.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const d = await request(OrderLinesSearchQuery, { patientName: term.trim() });
      setFound(d.orderLines.nodes);
      if (d.orderLines.nodes.length === 1) navigate(lineHref(d.orderLines.nodes[0]!.number));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    if (initialSearch) void run(initialSearch);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(search);
  };

  return (
    <>
      <h1>Find a line</h1>
      <section className="panel" aria-labelledby="search-heading">
        <h2 id="search-heading">Search by patient</h2>
        <form onSubmit={submit} className="inline-form" role="search">
          <label>
            Patient name
            <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="olivia mart" />
          </label>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Searching…' : 'Search lines'}
          </button>
        </form>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {found && (
          <div role="region" aria-label="Matching lines" aria-live="polite">
            {found.length === 0 ? (
              <p>No line for “{search}”.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Line</th>
                    <th scope="col">Patient</th>
                    <th scope="col">Product</th>
                    <th scope="col">Status</th>
                    <th scope="col">Owner</th>
                    <th scope="col">Since</th>
                    <th scope="col">Tracking</th>
                  </tr>
                </thead>
                <tbody>
                  {found.map((l) => (
                    <tr key={l.id}>
                      <th scope="row">
                        <a href={lineHref(l.number)}>{l.number}</a>
                      </th>
                      <td>
                        {fullName(l.patient)} <span className="sub">{l.patient.externalId}</span>
                      </td>
                      <td>
                        {l.product.name} {l.product.strength}
                      </td>
                      <td>{titleCase(l.status)}</td>
                      <td>{titleCase(l.owner)}</td>
                      <td>{dateTime(l.statusSince)}</td>
                      <td>{l.tracking ? `${l.tracking.carrier ?? ''} ${l.tracking.number ?? ''}` : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        )}
      </section>
      <section className="panel" aria-labelledby="orders-heading">
        <h2 id="orders-heading">Recent orders{clinic ? ` of ${clinic.name}` : ''}</h2>
        {!orders && !error && <p role="status">Loading orders…</p>}
        {orders && orders.length === 0 && <p>No order yet.</p>}
        {orders && orders.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Placed</th>
                <th scope="col">Status</th>
                <th scope="col">Payment</th>
                <th scope="col" className="num">
                  Lines
                </th>
                <th scope="col" className="num">
                  Total
                </th>
              </tr>
            </thead>
            <tbody>
              {orders.map((o) => (
                <tr key={o.id}>
                  <th scope="row">
                    <a href={`#/orders/${encodeURIComponent(o.number)}`}>{o.number}</a>
                  </th>
                  <td>{dateTime(o.placedAt)}</td>
                  <td>{titleCase(o.status)}</td>
                  <td>{titleCase(o.paymentStatus)}</td>
                  <td className="num">{o.lineCount}</td>
                  <td className="num">{money(o.total)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
