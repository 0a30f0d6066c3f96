import { useEffect, useState, type KeyboardEvent } from 'react';
import { request } from '../api/client';
import { CartLinesRemoveMutation, CartLinesUpdateMutation } from '../api/operations';
import { prescriberLabel, productLabel, useAppData } from '../AppData';
import type { CartLineUpdateInput } from '../gql/graphql';
import { fullName, money, titleCase } from '../lib/format';
import type { Cart, CartLine } from '../pages/useCart';

type Column = 'patient' | 'product' | 'pharmacy' | 'quantity' | 'sig' | 'daysSupply' | 'prescriber' | 'shipTo';

/** Which cell an issue or userError belongs next to, from the field path it names. */
function columnOf(field: readonly string[] | null | undefined): Column {
  switch (field?.[0]) {
    case 'quantity':
      return 'quantity';
    case 'sig':
      return 'sig';
    case 'daysSupply':
      return 'daysSupply';
    case 'prescriberId':
    case 'prescriber':
      return 'prescriber';
    case 'pharmacyId':
    case 'offeringId':
      return 'pharmacy';
    case 'productId':
      return 'product';
    case 'shipTo':
    case 'shipToPatientAddress':
      return 'shipTo';
    default:
      return 'patient';
  }
}

interface Problem {
  code: string;
  severity: 'ERROR' | 'WARNING';
  message: string;
  column: Column;
}

interface Props {
  cart: Cart;
  onEdited: (version: number) => void;
}

export function CartTable({ cart, onEdited }: Props) {
  const lines = cart.lines.nodes;
  if (lines.length === 0) {
    return <p className="empty">The cart is empty: select patients and add a product.</p>;
  }
  return (
    <div className="table-scroll">
      <table className="cart-table">
        <caption className="visually-hidden">Cart lines, one row per patient and medication</caption>
        <thead>
          <tr>
            <th scope="col">Patient</th>
            <th scope="col">Product</th>
            <th scope="col">Pharmacy</th>
            <th scope="col">Qty</th>
            <th scope="col">SIG</th>
            <th scope="col">Days</th>
            <th scope="col">Prescriber</th>
            <th scope="col">Ship to</th>
            <th scope="col" className="num">
              Landed cost
            </th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line) => (
            <CartRow key={line.id} cart={cart} line={line} onEdited={onEdited} />
          ))}
        </tbody>
      </table>
      {cart.lines.pageInfo.hasNextPage && (
        <p className="hint">
          Showing the first {lines.length} of {cart.lines.totalCount} lines.
        </p>
      )}
    </div>
  );
}

function CartRow({ cart, line, onEdited }: { cart: Cart; line: CartLine; onEdited: (version: number) => void }) {
  const { products, organization } = useAppData();
  const [saving, setSaving] = useState(false);
  const [rejected, setRejected] = useState<Problem[]>([]);
  const who = `${fullName(line.patient)}, ${productLabel(line.product)}`;
  const product = products.find((p) => p.id === line.product.id);

  const problems: Problem[] = [
    ...line.issues.map((i) => ({ code: i.code, severity: i.severity, message: i.message, column: columnOf(i.field) })),
    ...rejected,
  ];
  const at = (column: Column) => problems.filter((p) => p.column === column);
  const issueId = (column: Column) => `issues-${line.id}-${column}`;
  const fieldProps = (column: Column) => {
    const here = at(column);
    return {
      'aria-invalid': here.some((p) => p.severity === 'ERROR') || undefined,
      'aria-describedby': here.length ? issueId(column) : undefined,
    };
  };

  async function update(changes: Omit<CartLineUpdateInput, 'lineId'>) {
    setSaving(true);
    try {
      const { cartLinesUpdate } = await request(CartLinesUpdateMutation, {
        cartId: cart.id,
        lines: [{ lineId: line.id, ...changes }],
      });
      if (cartLinesUpdate.userErrors.length || !cartLinesUpdate.cart) {
        // Paths are ["lines", "0", field]: show each next to that field.
        setRejected(
          cartLinesUpdate.userErrors.map((u) => ({
            code: u.code,
            severity: 'ERROR',
            message: `Not saved: ${u.message}`,
            column: columnOf(u.field?.slice(2)),
          })),
        );
      } else {
        setRejected([]);
        onEdited(cartLinesUpdate.cart.version);
      }
    } catch (e) {
      setRejected([{ code: 'NOT_SAVED', severity: 'ERROR', message: `Not saved: ${(e as Error).message}`, column: 'patient' }]);
    } finally {
      setSaving(false);
    }
  }

  async function remove() {
    setSaving(true);
    try {
      const { cartLinesRemove } = await request(CartLinesRemoveMutation, { cartId: cart.id, lineIds: [line.id] });
      if (cartLinesRemove.cart && !cartLinesRemove.userErrors.length) onEdited(cartLinesRemove.cart.version);
      else setRejected(cartLinesRemove.userErrors.map((u) => ({ code: u.code, severity: 'ERROR', message: u.message, column: 'patient' })));
    } catch (e) {
      setRejected([{ code: 'NOT_SAVED', severity: 'ERROR', message: (e as Error).message, column: 'patient' }]);
    } finally {
      setSaving(false);
    }
  }

  const hasError = problems.some((p) => p.severity === 'ERROR');
  const editable = cart.status === 'OPEN';
  return (
    <tr data-patient={line.patient.externalId ?? line.patient.id} data-product={line.product.name} className={hasError ? 'has-error' : undefined} aria-busy={saving}>
      <td>
        <strong>{fullName(line.patient)}</strong>
        <div className="sub">
          {line.patient.externalId} · {line.patient.address.state}
        </div>
        {line.resubmitsLineNumber && <div className="sub">Resubmits {line.resubmitsLineNumber}</div>}
        <Issues id={issueId('patient')} problems={at('patient')} />
      </td>
      <td>
        {productLabel(line.product)}
        <div className="sub">{line.product.form}</div>
        <Issues id={issueId('product')} problems={at('product')} />
      </td>
      <td>
        <select
          aria-label={`Pharmacy for ${who}`}
          value={line.pharmacy.id}
          disabled={!editable}
          onChange={(e) => void update({ pharmacyId: e.target.value })}
          {...fieldProps('pharmacy')}
        >
          {(product?.offerings ?? []).map((o) => (
            <option key={o.id} value={o.pharmacy.id}>
              {o.pharmacy.name} ({money(o.unitPrice)})
            </option>
          ))}
          {!product?.offerings.some((o) => o.pharmacy.id === line.pharmacy.id) && (
            <option value={line.pharmacy.id}>{line.pharmacy.name}</option>
          )}
        </select>
        <div className="sub">{line.routingReason}</div>
        <Issues id={issueId('pharmacy')} problems={at('pharmacy')} />
      </td>
      <td>
        <CommitInput
          label={`Quantity for ${who}`}
          type="number"
          value={line.quantity?.toString() ?? ''}
          disabled={!editable}
          className="narrow"
          onCommit={(v) => void update({ quantity: v === '' ? null : Number.parseInt(v, 10) })}
          extra={fieldProps('quantity')}
        />
        <div className="sub">max {line.offering.maxQuantity}</div>
        <Issues id={issueId('quantity')} problems={at('quantity')} />
      </td>
      <td>
        <CommitInput
          label={`SIG for ${who}`}
          value={line.sig ?? ''}
          disabled={!editable}
          className="sig"
          onCommit={(v) => void update({ sig: v.trim() === '' ? null : v })}
          extra={fieldProps('sig')}
        />
        <Issues id={issueId('sig')} problems={at('sig')} />
      </td>
      <td>
        <CommitInput
          label={`Days supply for ${who}`}
          type="number"
          value={line.daysSupply?.toString() ?? ''}
          disabled={!editable}
          className="narrow"
          onCommit={(v) => void update({ daysSupply: v === '' ? null : Number.parseInt(v, 10) })}
          extra={fieldProps('daysSupply')}
        />
        <Issues id={issueId('daysSupply')} problems={at('daysSupply')} />
      </td>
      <td>
        <select
          aria-label={`Prescriber for ${who}`}
          value={line.prescriber?.id ?? ''}
          disabled={!editable}
          onChange={(e) => void update({ prescriberId: e.target.value || null })}
          {...fieldProps('prescriber')}
        >
          <option value="">None</option>
          {organization.prescribers.nodes.map((p) => (
            <option key={p.id} value={p.id}>
              {prescriberLabel(p)}
            </option>
          ))}
        </select>
        <Issues id={issueId('prescriber')} problems={at('prescriber')} />
      </td>
      <td>
        <span>
          {line.shipTo.city}, {line.shipTo.state} {line.shipTo.zip}
        </span>
        {line.shipToOverridden && (
          <div>
            <button type="button" className="link" disabled={!editable} onClick={() => void update({ shipToPatientAddress: true })} aria-label={`Ship to the patient's own address for ${who}`}>
              Ship to patient’s address
            </button>
          </div>
        )}
        <Issues id={issueId('shipTo')} problems={at('shipTo')} />
      </td>
      <td className="num">
        <strong>{money(line.landedCost)}</strong>
        <div className="sub">
          {money(line.unitPrice)} × {line.quantity ?? 0} + {money(line.shippingShare)} shipping
        </div>
      </td>
      <td>
        <button type="button" className="link danger" disabled={!editable || saving} onClick={() => void remove()} aria-label={`Remove line for ${who}`}>
          Remove
        </button>
      </td>
    </tr>
  );
}

function Issues({ id, problems }: { id: string; problems: Problem[] }) {
  if (problems.length === 0) return null;
  return (
    <ul className="issues" id={id}>
      {problems.map((p, i) => (
        <li key={i} className={p.severity === 'ERROR' ? 'issue-error' : 'issue-warning'} data-code={p.code}>
          <span className="issue-code">{p.severity === 'ERROR' ? 'Error' : 'Warning'}: {titleCase(p.code)}.</span> {p.message}
        </li>
      ))}
    </ul>
  );
}

interface CommitInputProps {
  label: string;
  value: string;
  onCommit: (value: string) => void;
  type?: 'text' | 'number';
  disabled?: boolean;
  className?: string;
  extra?: Record<string, unknown>;
}

/** An input that saves on Enter or when it loses focus, and follows the server's value while it is not being edited. */
function CommitInput({ label, value, onCommit, type = 'text', disabled, className, extra }: CommitInputProps) {
  const [draft, setDraft] = useState(value);
  const [dirty, setDirty] = useState(false);
  useEffect(() => {
    if (!dirty) setDraft(value);
  }, [value, dirty]);
  const commit = () => {
    setDirty(false);
    if (draft !== value) onCommit(draft);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      commit();
    } else if (e.key === 'Escape') {
      setDirty(false);
      setDraft(value);
    }
  };
  return (
    <input
      aria-label={label}
      type={type}
      min={type === 'number' ? 1 : undefined}
      className={className}
      value={draft}
      disabled={disabled}
      onChange={(e) => {
        setDraft(e.target.value);
        setDirty(true);
      }}
      onBlur={commit}
      onKeyDown={onKeyDown}
      {...extra}
    />
  );
}
