import { lazy, Suspense, useEffect, useState } from 'react';
import { activeSubscriptions, isLive, onLiveChange } from './api/client';
import { currentUser, onSessionChange, renew, signOut, type SessionUser } from './api/session';
import { AppDataProvider, useAppData } from './AppData';
import { useRoute } from './lib/router';
import { LoginPage } from './pages/LoginPage';
import { RefillDayPage } from './pages/RefillDayPage';
import { OrderPage } from './pages/OrderPage';
import { FindLinePage } from './pages/FindLinePage';

// GraphiQL is large (Monaco editor): load it only when the explorer is opened.
const ExplorerPage = lazy(() => import('./pages/ExplorerPage'));

export function App() {
  const [user, setUser] = useState<SessionUser | null>(currentUser);
  const [checking, setChecking] = useState(true);
  useEffect(() => onSessionChange(setUser), []);
  useEffect(() => {
    // A reload keeps the session: the HttpOnly cookie gets a fresh token.
    void renew().finally(() => setChecking(false));
  }, []);

  if (checking && !user) {
    return (
      <p className="page-state" role="status">
        Checking your session…
      </p>
    );
  }
  if (!user) return <LoginPage />;
  return (
    <AppDataProvider key={user.username}>
      <Shell user={user} />
    </AppDataProvider>
  );
}

function LiveIndicator() {
  const [state, setState] = useState({ live: isLive(), active: activeSubscriptions() });
  useEffect(() => {
    const update = () => setState({ live: isLive(), active: activeSubscriptions() });
    const t = setInterval(update, 1000);
    const stop = onLiveChange(update);
    return () => {
      clearInterval(t);
      stop();
    };
  }, []);
  const text = state.active === 0 ? '' : state.live ? 'Live' : 'Reconnecting…';
  return (
    <span className={`live ${state.active === 0 ? 'idle' : state.live ? 'on' : 'off'}`} role="status" aria-live="polite">
      {text}
    </span>
  );
}

function Shell({ user }: { user: SessionUser }) {
  const route = useRoute();
  const { organization, clinic, setClinicId } = useAppData();
  const page = route.path[0] ?? 'cart';
  const clinics = organization.clinics.nodes;

  let content;
  if (page === 'explorer') {
    content = (
      <Suspense fallback={<p role="status">Loading the explorer…</p>}>
        <ExplorerPage />
      </Suspense>
    );
  } else if (page === 'orders' && route.path[1]) {
    content = <OrderPage number={route.path[1]} focusLine={route.params.get('line')} />;
  } else if (page === 'lines') {
    content = <FindLinePage initialSearch={route.params.get('q') ?? ''} />;
  } else if (!clinic) {
    content = <p className="page-state">Choose a clinic to start its refill day.</p>;
  } else {
    content = <RefillDayPage key={clinic.id} clinic={clinic} />;
  }

  const link = (hash: string, label: string, active: boolean) => (
    <a href={hash} aria-current={active ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <a className="skip-link" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
        Skip to content
      </a>
      <header className="app-header">
        <div className="brand">
          <strong>{organization.name}</strong>
          <span>Refill desk</span>
        </div>
        <nav aria-label="Main">
          {link('#/cart', 'Refill day', page === 'cart')}
          {link('#/lines', 'Find a line', page === 'lines' || page === 'orders')}
          {link('#/explorer', 'API explorer', page === 'explorer')}
        </nav>
        <label className="clinic-picker">
          Clinic
          <select value={clinic?.id ?? ''} onChange={(e) => setClinicId(e.target.value)}>
            <option value="" disabled>
              Choose a clinic
            </option>
            {clinics.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <LiveIndicator />
        <span className="user">Signed in as {user.name}</span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {content}
      </main>
    </>
  );
}
