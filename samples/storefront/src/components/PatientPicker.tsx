import { useEffect, useState } from 'react';
import { request } from '../api/client';
import { PatientsQuery } from '../api/operations';
import type { PatientsQuery as PatientsResult } from '../gql/graphql';
import { fullName } from '../lib/format';

export type PickedPatient = PatientsResult['patients']['nodes'][number];

interface Props {
  selected: Map<string, PickedPatient>;
  onChange: (selected: Map<string, PickedPatient>) => void;
}

/** Search the organization's patients and tick many; the selection survives new searches. */
export function PatientPicker({ selected, onChange }: Props) {
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [result, setResult] = useState<PatientsResult['patients'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    const t = setTimeout(() => setQuery(search.trim()), 250);
    return () => clearTimeout(t);
  }, [search]);

  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    request(PatientsQuery, { search: query || null, after: null })
      .then((d) => {
        if (cancelled) return;
        setResult(d.patients);
        setError(null);
      })
      .catch((e: Error) => !cancelled && setError(e.message))
      .finally(() => !cancelled && setLoading(false));
    return () => {
      cancelled = true;
    };
  }, [query]);

  const toggle = (p: PickedPatient, on: boolean) => {
    const next = new Map(selected);
    if (on) next.set(p.id, p);
    else next.delete(p.id);
    onChange(next);
  };
  const shown = result?.nodes ?? [];
  const allShownSelected = shown.length > 0 && shown.every((p) => selected.has(p.id));

  return (
    <section className="panel" aria-labelledby="patients-heading">
      <h2 id="patients-heading">1. Patients</h2>
      <label>
        Search patients
        <input
          type="search"
          value={search}
          placeholder="Name or external ID"
          onChange={(e) => setSearch(e.target.value)}
        />
      </label>
      <div className="picker-toolbar">
        <span role="status" aria-live="polite">
          {selected.size} selected
        </span>
        <button
          type="button"
          disabled={shown.length === 0}
          onClick={() => {
            const next = new Map(selected);
            shown.forEach((p) => (allShownSelected ? next.delete(p.id) : next.set(p.id, p)));
            onChange(next);
          }}
        >
          {allShownSelected ? 'Clear shown' : `Select all ${shown.length} shown`}
        </button>
        <button type="button" disabled={selected.size === 0} onClick={() => onChange(new Map())}>
          Clear selection
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          Could not search patients: {error}
        </p>
      )}
      {loading && !result && <p role="status">Loading patients…</p>}
      <fieldset className="patient-list" aria-busy={loading}>
        <legend className="visually-hidden">Patients to add to</legend>
        {shown.length === 0 && !loading && <p>No patient matches “{query}”.</p>}
        {shown.map((p) => (
          <label key={p.id} className="patient-option">
            <input type="checkbox" checked={selected.has(p.id)} onChange={(e) => toggle(p, e.target.checked)} />
            <span>
              {fullName(p)} <small>({p.externalId ?? 'no external ID'}, {p.address.state})</small>
            </span>
          </label>
        ))}
      </fieldset>
      {result && result.totalCount > shown.length && (
        <p className="hint">
          Showing {shown.length} of {result.totalCount}: narrow the search to find the others.
        </p>
      )}
    </section>
  );
}
