// What every screen needs once per session: the organization with its clinics and prescribers, the pharmacies and
// the catalog (offerings by product), and the clinic the coordinator works for.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { request } from './api/client';
import { CatalogQuery, ViewerQuery } from './api/operations';
import type { CatalogQuery as CatalogResult, ViewerQuery as ViewerResult } from './gql/graphql';

export type Organization = ViewerResult['viewer']['organization'];
export type Clinic = Organization['clinics']['nodes'][number];
export type Prescriber = Organization['prescribers']['nodes'][number];
export type Offering = CatalogResult['catalog']['nodes'][number];

export interface Product {
  id: string;
  label: string;
  controlled: boolean;
  offerings: Offering[];
}

interface AppData {
  organization: Organization;
  pharmacies: ViewerResult['pharmacies'];
  products: Product[];
  clinic: Clinic | null;
  setClinicId: (id: string) => void;
}

const Context = createContext<AppData | null>(null);

export const productLabel = (p: { name: string; strength: string }) => `${p.name} ${p.strength}`;
export const prescriberLabel = (p: { firstName: string; lastName: string }) => `${p.firstName} ${p.lastName}`;

async function loadCatalog(): Promise<Offering[]> {
  const all: Offering[] = [];
  let after: string | null = null;
  do {
    const page: CatalogResult = await request(CatalogQuery, { after });
    all.push(...page.catalog.nodes);
    after = page.catalog.pageInfo.hasNextPage ? (page.catalog.pageInfo.endCursor ?? null) : null;
  } while (after);
  return all;
}

export function AppDataProvider({ children }: { children: ReactNode }) {
  const [viewer, setViewer] = useState<ViewerResult | null>(null);
  const [offerings, setOfferings] = useState<Offering[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [clinicId, setClinicIdState] = useState<string | null>(() => localStorage.getItem('storefront.clinicId'));

  const load = useCallback(() => {
    setError(null);
    Promise.all([request(ViewerQuery), loadCatalog()])
      .then(([v, c]) => {
        setViewer(v);
        setOfferings(c);
      })
      .catch((e: Error) => setError(e.message));
  }, []);
  useEffect(load, [load]);

  const setClinicId = useCallback((id: string) => {
    localStorage.setItem('storefront.clinicId', id);
    setClinicIdState(id);
  }, []);

  const products = useMemo(() => {
    const byId = new Map<string, Product>();
    for (const o of offerings ?? []) {
      const p = byId.get(o.product.id) ?? {
        id: o.product.id,
        label: `${productLabel(o.product)}, ${o.product.form}`,
        controlled: o.product.controlledSchedule != null,
        offerings: [],
      };
      p.offerings.push(o);
      byId.set(o.product.id, p);
    }
    return [...byId.values()].sort((a, b) => a.label.localeCompare(b.label));
  }, [offerings]);

  if (error) {
    return (
      <div className="page-state" role="alert">
        <p>Could not load the organization: {error}</p>
        <button type="button" onClick={load}>
          Try again
        </button>
      </div>
    );
  }
  if (!viewer || !offerings) {
    return (
      <p className="page-state" role="status">
        Loading your organization…
      </p>
    );
  }
  const clinics = viewer.viewer.organization.clinics.nodes;
  const clinic = clinics.find((c) => c.id === clinicId) ?? null;
  return (
    <Context.Provider value={{ organization: viewer.viewer.organization, pharmacies: viewer.pharmacies, products, clinic, setClinicId }}>
      {children}
    </Context.Provider>
  );
}

export function useAppData(): AppData {
  const value = useContext(Context);
  if (!value) throw new Error('useAppData outside AppDataProvider');
  return value;
}
