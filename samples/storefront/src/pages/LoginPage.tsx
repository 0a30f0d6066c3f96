import { useState, type FormEvent } from 'react';
import { signIn } from '../api/session';

/** The sample's login: a stand-in for the brand's identity provider (server/demo-login.mjs). */
export function LoginPage() {
  const [username, setUsername] = useState('dana');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(username, password);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  return (
    <main id="main" className="login">
      <h1>Sign in to the refill desk</h1>
      <p>
        Demo coordinators: <code>dana</code> and <code>sam</code>, password <code>refill-day</code>. The sign-in issues a
        15-minute token for the demo organization; the browser never sees an API key.
      </p>
      <form onSubmit={submit} aria-describedby={error ? 'login-error' : undefined}>
        <label>
          Username
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        {error && (
          <p id="login-error" className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
