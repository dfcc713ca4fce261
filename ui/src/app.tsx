import { useEffect, useState } from 'preact/hooks';
import { currentSession, onSignedOut, type Session, signOut } from './api.ts';
import { ConnectorPage } from './pages/connector.tsx';
import { ConnectorsPage } from './pages/connectors.tsx';
import { DomainsPage } from './pages/domains.tsx';
import { NewConnectorPage } from './pages/new-connector.tsx';
import { ProductPage } from './pages/product.tsx';
import { ProductsPage } from './pages/products.tsx';
import { PublishPage } from './pages/publish.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { href, navigate, useLocation } from './router.ts';

// The console's frame: who is signed in, the navigation, and the page for the current path.

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const { path, query } = useLocation();

  useEffect(() => {
    currentSession()
      .then(setSession)
      .catch((error: Error) => setProblem(error.message));
    return onSignedOut(() => setSession((old) => (old ? { ...old, principal: null, csrf: null } : old)));
  }, []);

  // A new page: its heading takes the focus, so keyboard and screen-reader users start there.
  useEffect(() => {
    const heading = document.getElementById('page-title');
    if (heading && document.activeElement === document.body) heading.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [path]);

  if (problem)
    return (
      <main id="main" class="center">
        <h1>Onramp console</h1>
        <p class="error" role="alert">
          The host did not answer: {problem}
        </p>
      </main>
    );
  if (session === undefined) return <p class="muted center">Loading…</p>;
  if (!session?.principal) return <SignInPage onSignedIn={setSession} />;
  const principal = session.principal;

  const section = path.split('/')[1] ?? '';
  const nav = [
    { to: '/products', label: 'Products', active: section === 'products' || path === '/' },
    { to: '/connectors', label: 'Connectors', active: section === 'connectors' },
    { to: '/domains', label: 'Domains', active: section === 'domains' },
  ];

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={href('/products')}>
          Onramp
        </a>
        <nav aria-label="Main">
          <ul>
            {nav.map((item) => (
              <li key={item.to}>
                <a href={href(item.to)} aria-current={item.active ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>
            {principal.name} <span class="role">({principal.role})</span>
          </span>
          {session.auth === 'token' ? (
            <button
              type="button"
              class="button-quiet"
              onClick={async () => {
                await signOut().catch(() => undefined);
                setSession({ ...session, principal: null, csrf: null });
                navigate('/', true);
              }}
            >
              Sign out
            </button>
          ) : null}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={path} query={query} principal={principal} />
      </main>
    </>
  );
}

function Page({
  path,
  query,
  principal,
}: {
  path: string;
  query: URLSearchParams;
  principal: NonNullable<Session['principal']>;
}) {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [section, id, sub] = parts;
  if (section === undefined || section === 'products') {
    if (id === undefined) return <ProductsPage query={query} />;
    if (sub === 'publish') return <PublishPage id={id} principal={principal} />;
    return <ProductPage id={id} principal={principal} />;
  }
  if (section === 'connectors') {
    if (id === undefined) return <ConnectorsPage principal={principal} />;
    if (id === 'new' && parts.length === 2) return <NewConnectorPage principal={principal} />;
    return <ConnectorPage name={id} principal={principal} />;
  }
  if (section === 'domains') return <DomainsPage />;
  return (
    <>
      <h1 id="page-title" tabIndex={-1}>
        Not found
      </h1>
      <p>
        No console page at {path}. <a href={href('/products')}>Go to the products</a>.
      </p>
    </>
  );
}
