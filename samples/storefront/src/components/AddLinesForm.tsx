import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { request } from '../api/client';
import {
  CartLinesAddFromQuickfillMutation,
  CartLinesAddMutation,
  QuickfillCreateMutation,
  QuickfillsQuery,
} from '../api/operations';
import { prescriberLabel, productLabel, useAppData, type Clinic } from '../AppData';
import type { CartLineInput, QuickfillsQuery as QuickfillsResult } from '../gql/graphql';
import { money } from '../lib/format';
import type { PickedPatient } from './PatientPicker';

type Quickfill = QuickfillsResult['quickfills']['nodes'][number];

interface Props {
  clinic: Clinic;
  patients: Map<string, PickedPatient>;
  onAdded: (version: number) => void;
}

const ROUTED = '';

const intOrNull = (v: string) => (v.trim() === '' ? null : Number.parseInt(v, 10));

/** One product with quantity, SIG, days supply and prescriber for every selected patient, or a saved quickfill. */
export function AddLinesForm({ clinic, patients, onAdded }: Props) {
  const { products, organization } = useAppData();
  const [mode, setMode] = useState<'product' | 'quickfill'>('product');
  const [productId, setProductId] = useState('');
  const [pharmacyId, setPharmacyId] = useState(ROUTED);
  const [quantity, setQuantity] = useState('1');
  const [sig, setSig] = useState('');
  const [daysSupply, setDaysSupply] = useState('30');
  const [prescriberId, setPrescriberId] = useState('');
  const [quickfills, setQuickfills] = useState<Quickfill[]>([]);
  const [quickfillId, setQuickfillId] = useState('');
  const [quickfillName, setQuickfillName] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'error' | 'ok'; text: string } | null>(null);

  const product = products.find((p) => p.id === productId);
  const count = patients.size;

  const loadQuickfills = useCallback(() => {
    request(QuickfillsQuery, { clinicId: clinic.id })
      .then((d) => setQuickfills(d.quickfills.nodes))
      .catch(() => setQuickfills([]));
  }, [clinic.id]);
  useEffect(loadQuickfills, [loadQuickfills]);

  const template = () => ({
    ...(pharmacyId === ROUTED
      ? { productId }
      : { offeringId: product?.offerings.find((o) => o.pharmacy.id === pharmacyId)?.id ?? null }),
    quantity: intOrNull(quantity),
    sig: sig.trim() === '' ? null : sig,
    daysSupply: intOrNull(daysSupply),
    prescriberId: prescriberId || null,
  });

  async function add(e: FormEvent) {
    e.preventDefault();
    if (count === 0) {
      setMessage({ kind: 'error', text: 'Select at least one patient first.' });
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      let result;
      const ids = [...patients.keys()];
      if (mode === 'product') {
        if (!product) throw new Error('Choose a product.');
        const lines: CartLineInput[] = ids.map((patientId) => ({ patientId, ...template() }));
        result = (await request(CartLinesAddMutation, { clinicId: clinic.id, lines })).cartLinesAdd;
      } else {
        if (!quickfillId) throw new Error('Choose a quickfill.');
        result = (
          await request(CartLinesAddFromQuickfillMutation, { clinicId: clinic.id, quickfillId, patientIds: ids })
        ).cartLinesAddFromQuickfill;
      }
      if (result.userErrors.length || !result.cart) {
        setMessage({ kind: 'error', text: describeErrors(result.userErrors, ids, patients) });
      } else {
        setMessage({ kind: 'ok', text: `Added for ${count} patient${count === 1 ? '' : 's'}.` });
        onAdded(result.cart.version);
      }
    } catch (err) {
      setMessage({ kind: 'error', text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  }

  async function saveQuickfill() {
    if (!product || !quickfillName.trim()) {
      setMessage({ kind: 'error', text: 'Choose a product and give the quickfill a name.' });
      return;
    }
    setBusy(true);
    try {
      const { quickfillCreate } = await request(QuickfillCreateMutation, {
        input: { clinicId: clinic.id, name: quickfillName.trim(), ...template() },
      });
      if (quickfillCreate.userErrors.length) {
        setMessage({ kind: 'error', text: quickfillCreate.userErrors.map((u) => u.message).join(' ') });
      } else {
        setMessage({ kind: 'ok', text: `Saved quickfill “${quickfillCreate.quickfill?.name}”.` });
        setQuickfillName('');
        loadQuickfills();
      }
    } catch (err) {
      setMessage({ kind: 'error', text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel" aria-labelledby="add-heading">
      <h2 id="add-heading">2. Add to the selected patients</h2>
      <form onSubmit={add}>
        <fieldset className="segmented">
          <legend>What to add</legend>
          <label>
            <input type="radio" name="mode" checked={mode === 'product'} onChange={() => setMode('product')} /> A product
          </label>
          <label>
            <input type="radio" name="mode" checked={mode === 'quickfill'} onChange={() => setMode('quickfill')} /> A
            quickfill
          </label>
        </fieldset>

        {mode === 'product' ? (
          <div className="form-grid">
            <label className="wide">
              Product
              <select
                value={productId}
                onChange={(e) => {
                  setProductId(e.target.value);
                  setPharmacyId(ROUTED);
                }}
                required
              >
                <option value="">Choose a product</option>
                {products.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.label}
                    {p.controlled ? ' (controlled)' : ''}
                  </option>
                ))}
              </select>
            </label>
            <label className="wide">
              Pharmacy
              <select value={pharmacyId} onChange={(e) => setPharmacyId(e.target.value)} disabled={!product}>
                <option value={ROUTED}>
                  Clinic’s preference ({clinic.routingPreference.toLowerCase()}) for each patient’s state
                </option>
                {product?.offerings.map((o) => (
                  <option key={o.id} value={o.pharmacy.id}>
                    {o.pharmacy.name}: {money(o.unitPrice)} per unit{o.available ? '' : ' (unavailable)'}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Quantity
              <input type="number" min={1} inputMode="numeric" value={quantity} onChange={(e) => setQuantity(e.target.value)} />
            </label>
            <label>
              Days supply
              <input type="number" min={1} inputMode="numeric" value={daysSupply} onChange={(e) => setDaysSupply(e.target.value)} />
            </label>
            <label className="wide">
              SIG (directions)
              <input value={sig} onChange={(e) => setSig(e.target.value)} placeholder="Inject 0.25 mg subcutaneously once weekly" />
            </label>
            <label className="wide">
              Prescriber
              <select value={prescriberId} onChange={(e) => setPrescriberId(e.target.value)}>
                <option value="">No prescriber yet</option>
                {organization.prescribers.nodes.map((p) => (
                  <option key={p.id} value={p.id}>
                    {prescriberLabel(p)}
                    {p.deaNumber ? '' : ' (no DEA)'}
                  </option>
                ))}
              </select>
            </label>
          </div>
        ) : (
          <label className="wide">
            Quickfill
            <select value={quickfillId} onChange={(e) => setQuickfillId(e.target.value)}>
              <option value="">{quickfills.length ? 'Choose a quickfill' : 'This clinic has no quickfill yet'}</option>
              {quickfills.map((q) => (
                <option key={q.id} value={q.id}>
                  {q.name}: {productLabel(q.product)}
                  {q.pharmacy ? ` at ${q.pharmacy.name}` : ', routed'}
                  {q.quantity ? `, qty ${q.quantity}` : ''}
                  {q.daysSupply ? `, ${q.daysSupply} days` : ''}
                </option>
              ))}
            </select>
          </label>
        )}

        <div className="actions">
          <button type="submit" className="primary" disabled={busy || count === 0}>
            {busy ? 'Adding…' : `Add to ${count} patient${count === 1 ? '' : 's'}`}
          </button>
        </div>
        {mode === 'product' && (
          <div className="save-quickfill">
            <label>
              Save as quickfill
              <input value={quickfillName} onChange={(e) => setQuickfillName(e.target.value)} placeholder="Semaglutide monthly" />
            </label>
            <button type="button" onClick={() => void saveQuickfill()} disabled={busy || !product}>
              Save quickfill
            </button>
          </div>
        )}
        <div aria-live="polite">
          {message && (
            <p className={message.kind === 'error' ? 'error' : 'ok'} role={message.kind === 'error' ? 'alert' : 'status'}>
              {message.text}
            </p>
          )}
        </div>
      </form>
    </section>
  );
}

/** userErrors name the line by its index (["lines", "3", "quantity"] or ["patientIds", "3"]): say which patient. */
function describeErrors(
  errors: { code: string; field?: string[] | null; message: string }[],
  ids: string[],
  patients: Map<string, PickedPatient>,
): string {
  return errors
    .map((u) => {
      const index = u.field && u.field.length >= 2 ? Number(u.field[1]) : Number.NaN;
      const patient = Number.isInteger(index) ? patients.get(ids[index] ?? '') : undefined;
      return patient ? `${patient.firstName} ${patient.lastName}: ${u.message}` : u.message;
    })
    .join(' ');
}
