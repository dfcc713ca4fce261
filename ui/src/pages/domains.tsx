import { enc, get } from '../api.ts';
import { PageHeading, Status } from '../components/common.tsx';
import { useLoad, usePageTitle } from '../hooks.ts';
import { href } from '../router.ts';
import type { Domain } from '../types.ts';

// Each domain with its owners, products and connectors.

export function DomainsPage() {
  usePageTitle('Domains');
  const domains = useLoad(() => get<Domain[]>('/domains'), [], 15_000);
  return (
    <>
      <PageHeading sub="Who owns which products, and the connectors that make and read them.">
        Domains
      </PageHeading>
      <Status error={domains.error} loading={domains.loading && !domains.data} />
      {domains.data?.length === 0 ? (
        <p>No domains yet: a connector's product.domain setting names its domain.</p>
      ) : null}
      <ul class="cards">
        {(domains.data ?? []).map((domain) => (
          <li key={domain.name}>
            <article
              class="card"
              id={`domain-${domain.name}`}
              aria-labelledby={`domain-title-${domain.name}`}
            >
              <h2 id={`domain-title-${domain.name}`}>{domain.name}</h2>
              <dl class="facts">
                <div>
                  <dt>Owners</dt>
                  <dd>{domain.owners.length > 0 ? domain.owners.join(', ') : '—'}</dd>
                </div>
              </dl>
              <h3>Products</h3>
              {domain.products.length === 0 ? <p class="muted">None.</p> : null}
              <ul class="plain">
                {domain.products.map((id) => (
                  <li key={id}>
                    <a href={href(`/products/${enc(id)}`)}>{id}</a>
                  </li>
                ))}
              </ul>
              <h3>Connectors</h3>
              {domain.connectors.length === 0 ? <p class="muted">None.</p> : null}
              <ul class="plain">
                {domain.connectors.map((name) => (
                  <li key={name}>
                    <a href={href(`/connectors/${enc(name)}`)}>{name}</a>
                  </li>
                ))}
              </ul>
            </article>
          </li>
        ))}
      </ul>
    </>
  );
}
