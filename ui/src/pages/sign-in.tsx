import { useState } from 'preact/hooks';
import { type Session, signIn } from '../api.ts';

// Sign in with a REST token. The host keeps the token and answers an HttpOnly session cookie, so
// the token never lands in this page's storage where another script could read it.

export function SignInPage({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  return (
    <main id="main" class="sign-in">
      <form
        class="panel"
        aria-labelledby="page-title"
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError(undefined);
          try {
            onSignedIn(await signIn(token));
            setToken('');
          } catch (failure) {
            setError(failure instanceof Error ? failure.message : String(failure));
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1 id="page-title">Sign in to Onramp</h1>
        <p class="muted">
          Use a REST API token (<code>npm run token -- create --name you --role viewer</code> makes one). Its
          role decides what you may change here.
        </p>
        <label for="token">Token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="current-password"
          required
          value={token}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'token-error' : undefined}
          onInput={(event) => setToken((event.target as HTMLInputElement).value)}
        />
        {error ? (
          <p id="token-error" class="field-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
