import { useEffect, useState } from 'preact/hooks';
import { enc, get } from '../api.ts';
import { Badge, formatAgo, formatMs, PageHeading, Status } from '../components/common.tsx';
import { useLoad, usePageTitle } from '../hooks.ts';
import { href } from '../router.ts';
import type { Domain, Health, Product } from '../types.ts';

// Every data product, searched (id, description, owner, tags, topics, tables) and filtered by
// domain, tag and status; a card each with owner, tiers, status, health and freshness.

export function ProductsPage({ query }: { query: URLSearchParams }) {
  usePageTitle('Data products');
  const [text, setText] = useState(query.get('q') ?? '');
  const [q, setQ] = useState(text);
  const [domain, setDomain] = useState(query.get('domain') ?? '');
  const [tag, setTag] = useState(query.get('tag') ?? '');
  const [status, setStatus] = useState(query.get('status') ?? '');

  // Typing settles for a moment before the host is asked.
  useEffect(() => {
    const timer = setTimeout(() => setQ(text.trim()), 200);
    return () => clearTimeout(timer);
  }, [text]);

  useEffect(() => {
    const params = new URLSearchParams();
    if (q) params.set('q', q);
    if (domain) params.set('domain', domain);
    if (tag) params.set('tag', tag);
    if (status) params.set('status', status);
    const search = params.toString();
    history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}`);
  }, [q, domain, tag, status]);

  const all = useLoad(() => get<Product[]>('/products'), [], 15_000);
  const domains = useLoad(() => get<Domain[]>('/domains'), []);
  const found = useLoad(
    () => {
      const params = new URLSearchParams();
      if (q) params.set('q', q);
      if (domain) params.set('domain', domain);
      if (tag) params.set('tag', tag);
      if (status) params.set('status', status);
      return get<Product[]>(`/products?${params}`);
    },
    [q, domain, tag, status],
    10_000,
  );

  const tags = [...new Set((all.data ?? []).flatMap((product) => product.tags))].sort();
  return (
    <>
      <PageHeading sub="Discover what each domain publishes, who owns it and how fresh it is.">
        Data products
      </PageHeading>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <div class="field grow">
          <label for="search">Search</label>
          <input
            id="search"
            type="search"
            placeholder="Name, description, owner, tag, topic or table"
            value={text}
            onInput={(event) => setText((event.target as HTMLInputElement).value)}
          />
        </div>
        <div class="field">
          <label for="filter-domain">Domain</label>
          <select
            id="filter-domain"
            value={domain}
            onChange={(event) => setDomain((event.target as HTMLSelectElement).value)}
          >
            <option value="">All domains</option>
            {(domains.data ?? []).map((entry) => (
              <option key={entry.name} value={entry.name}>
                {entry.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-tag">Tag</label>
          <select
            id="filter-tag"
            value={tag}
            onChange={(event) => setTag((event.target as HTMLSelectElement).value)}
          >
            <option value="">All tags</option>
            {tags.map((entry) => (
              <option key={entry} value={entry}>
                {entry}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-status">Status</label>
          <select
            id="filter-status"
            value={status}
            onChange={(event) => setStatus((event.target as HTMLSelectElement).value)}
          >
            <option value="">Any status</option>
            <option value="draft">draft</option>
            <option value="published">published</option>
            <option value="deprecated">deprecated</option>
          </select>
        </div>
      </form>
      <Status error={found.error} loading={found.loading && !found.data} />
      {found.data ? (
        <p class="muted" aria-live="polite">
          {found.data.length === 1 ? '1 product' : `${found.data.length} products`}
        </p>
      ) : null}
      <ul class="cards">
        {(found.data ?? []).map((product) => (
          <li key={product.id}>
            <ProductCard product={product} />
          </li>
        ))}
      </ul>
      {found.data?.length === 0 ? (
        <p>
          No product matches. Products appear when a source connector has <code>product.domain</code> and{' '}
          <code>product.name</code> in its config.
        </p>
      ) : null}
    </>
  );
}

function ProductCard({ product }: { product: Product }) {
  const health = useLoad(() => get<Health>(`/products/${enc(product.id)}/health`), [product.id], 10_000);
  const freshest = health.data?.freshness.reduce<Health['freshness'][number] | undefined>(
    (worst, reading) => (!worst || (reading.lagMs ?? 0) > (worst.lagMs ?? 0) ? reading : worst),
    undefined,
  );
  return (
    <article class="card" aria-labelledby={`card-${product.id}`}>
      <header class="card-head">
        <h2 id={`card-${product.id}`}>
          <a href={href(`/products/${enc(product.id)}`)}>{product.id}</a>
        </h2>
        <Badge value={product.status} label="Status" />
      </header>
      <p class="card-description">{product.description || <span class="muted">No description yet.</span>}</p>
      <dl class="facts">
        <div>
          <dt>Owner</dt>
          <dd>{product.owner || '—'}</dd>
        </div>
        <div>
          <dt>SLA</dt>
          <dd>{product.slaTier}</dd>
        </div>
        <div>
          <dt>Quality</dt>
          <dd>{product.quality}</dd>
        </div>
        <div>
          <dt>Health</dt>
          <dd>
            {health.data ? <Badge value={health.data.status} /> : health.error ? 'unknown' : 'loading…'}
          </dd>
        </div>
        <div>
          <dt>Freshness</dt>
          <dd>
            {!health.data
              ? health.error
                ? 'unknown'
                : 'loading…'
              : freshest
                ? `lag ${formatMs(freshest.lagMs)}, last event ${formatAgo(freshest.lastEventTime)}`
                : 'no events since start'}
          </dd>
        </div>
      </dl>
      {product.tags.length > 0 ? (
        <ul class="tags" aria-label="Tags">
          {product.tags.map((entry) => (
            <li key={entry}>{entry}</li>
          ))}
        </ul>
      ) : null}
    </article>
  );
}
