import { useEffect, useState } from 'preact/hooks';
import { canWrite, enc, get, type Principal, request } from '../api.ts';
import { Badge, PageHeading, SaveOutcome, Section, Status } from '../components/common.tsx';
import { type Undecided, UndecidedField, undecidedOf } from '../components/undecided-policy.tsx';
import { useLoad, usePageTitle } from '../hooks.ts';
import { href, navigate } from '../router.ts';
import type { Classification, Product } from '../types.ts';

// Publishing a draft: the owner decides every personal-data suggestion (confirm, with how it is
// protected, or reject), sets owner, description, SLA and quality, and publishes. The host refuses
// to publish while a suggestion is open; its message is shown as is. The policy's `undecided`
// setting says what happens, once published, to columns that look like personal data and that
// nobody has decided yet (columns added later): sent as is, or protected.

type Decision = { state: 'confirmed' | 'rejected' | 'suggested'; treatment: 'hash' | 'mask' | 'drop' | '' };

export function PublishPage({ id, principal }: { id: string; principal: Principal }) {
  usePageTitle(`Publish ${id}`);
  const product = useLoad(() => get<Product>(`/products/${enc(id)}`), [id]);
  const [owner, setOwner] = useState('');
  const [description, setDescription] = useState('');
  const [slaTier, setSlaTier] = useState('tier-3');
  const [quality, setQuality] = useState('raw');
  const [tags, setTags] = useState('');
  const [undecidedPolicy, setUndecidedPolicy] = useState<Undecided>('send');
  const [decisions, setDecisions] = useState<Record<string, Decision>>({});
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    const data = product.data;
    if (!data) return;
    setOwner(data.owner ?? '');
    setDescription(data.description ?? '');
    setSlaTier(data.slaTier);
    setQuality(data.quality);
    setTags(data.tags.join(', '));
    setUndecidedPolicy(undecidedOf(data));
    setDecisions(
      Object.fromEntries(
        data.classifications.map((entry) => [
          entry.column,
          { state: entry.state, treatment: entry.treatment ?? '' },
        ]),
      ),
    );
  }, [product.data]);

  if (!product.data) return <Status error={product.error} loading={product.loading} />;
  const data = product.data;
  if (!canWrite(principal, data.domain))
    return (
      <>
        <PageHeading>Publish {data.id}</PageHeading>
        <p>
          Your token ({principal.role}) may not change products of domain {data.domain}.{' '}
          <a href={href(`/products/${enc(id)}`)}>Back to the product</a>
        </p>
      </>
    );

  const undecided = Object.values(decisions).filter((entry) => entry.state === 'suggested').length;
  const save = async () => {
    const classifications = Object.entries(decisions)
      .filter(([, decision]) => decision.state !== 'suggested')
      .map(([column, decision]) => ({
        column,
        state: decision.state,
        ...(decision.state === 'confirmed' && decision.treatment !== '' && { treatment: decision.treatment }),
      }));
    await request('PATCH', `/products/${enc(id)}`, {
      ...(owner.trim() !== '' && { owner: owner.trim() }),
      description,
      slaTier,
      quality,
      tags: tags
        .split(',')
        .map((tag) => tag.trim())
        .filter(Boolean),
      classifications,
      ...(undecidedPolicy !== undecidedOf(data) && { policy: { undecided: undecidedPolicy } }),
    });
  };
  const run = async (publish: boolean) => {
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      await save();
      if (publish && undecided > 0) {
        // The host would refuse too (409); saying so here spares a failed request.
        const open = Object.entries(decisions)
          .filter(([, decision]) => decision.state === 'suggested')
          .map(([column]) => column);
        setError(`Decide every personal-data suggestion before publishing: ${open.join(', ')}.`);
        product.reload();
        return;
      }
      if (publish) {
        await request('POST', `/products/${enc(id)}/publish`);
        navigate(`/products/${enc(id)}`);
        return;
      }
      setSaved(true);
      product.reload();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeading sub={<Badge value={data.status} label="Status" />}>Publish {data.id}</PageHeading>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void run(true);
        }}
      >
        <Section title="Personal data" id="classifications">
          {data.classifications.length === 0 ? (
            <p class="muted">No column looks like personal data yet.</p>
          ) : (
            <>
              <p>
                Confirm each column that holds personal data (it is then protected before Kafka once
                published) or reject the suggestion.{' '}
                {undecided > 0 ? <strong>{undecided} still to decide.</strong> : null}
              </p>
              {data.classifications.map((entry) => (
                <ClassificationRow
                  key={entry.column}
                  entry={entry}
                  decision={decisions[entry.column] ?? { state: entry.state, treatment: '' }}
                  policy={data.policy.personalData}
                  onChange={(decision) => setDecisions({ ...decisions, [entry.column]: decision })}
                />
              ))}
            </>
          )}
          <UndecidedField
            id="undecided"
            value={undecidedPolicy}
            personalData={data.policy.personalData}
            onChange={setUndecidedPolicy}
          />
        </Section>
        <Section title="Ownership and tiers" id="ownership">
          <div class="form-grid">
            <div class="field">
              <label for="owner">Owner</label>
              <input
                id="owner"
                value={owner}
                required
                onInput={(event) => setOwner((event.target as HTMLInputElement).value)}
              />
            </div>
            <div class="field">
              <label for="sla">SLA tier</label>
              <select
                id="sla"
                value={slaTier}
                onChange={(event) => setSlaTier((event.target as HTMLSelectElement).value)}
              >
                <option value="tier-1">tier-1</option>
                <option value="tier-2">tier-2</option>
                <option value="tier-3">tier-3</option>
              </select>
            </div>
            <div class="field">
              <label for="quality">Quality</label>
              <select
                id="quality"
                value={quality}
                onChange={(event) => setQuality((event.target as HTMLSelectElement).value)}
              >
                <option value="raw">raw</option>
                <option value="curated">curated</option>
                <option value="authoritative">authoritative</option>
              </select>
            </div>
            <div class="field">
              <label for="tags">Tags</label>
              <input
                id="tags"
                value={tags}
                aria-describedby="tags-help"
                onInput={(event) => setTags((event.target as HTMLInputElement).value)}
              />
              <p id="tags-help" class="help">
                Comma-separated.
              </p>
            </div>
            <div class="field wide">
              <label for="description">Description</label>
              <textarea
                id="description"
                rows={3}
                required
                value={description}
                onInput={(event) => setDescription((event.target as HTMLTextAreaElement).value)}
              />
            </div>
          </div>
        </Section>
        <SaveOutcome error={error} saved={saved} />
        <div class="toolbar">
          <button type="submit" disabled={busy || data.status !== 'draft'}>
            Publish
          </button>
          <button type="button" class="button-secondary" disabled={busy} onClick={() => void run(false)}>
            Save without publishing
          </button>
          <a href={href(`/products/${enc(id)}`)}>Cancel</a>
        </div>
      </form>
    </>
  );
}

function ClassificationRow({
  entry,
  decision,
  policy,
  onChange,
}: {
  entry: Classification;
  decision: Decision;
  policy: string;
  onChange: (decision: Decision) => void;
}) {
  const key = entry.column.replace(/[^A-Za-z0-9]/g, '-');
  return (
    <fieldset class="classification">
      <legend>
        <code>{entry.column}</code> looks like <strong>{entry.category}</strong>
      </legend>
      <p class="help">{entry.reason}</p>
      <div class="choices">
        <label>
          <input
            type="radio"
            name={`decision-${key}`}
            value="confirmed"
            checked={decision.state === 'confirmed'}
            onChange={() => onChange({ ...decision, state: 'confirmed' })}
          />{' '}
          Confirm: personal data
        </label>
        <label>
          <input
            type="radio"
            name={`decision-${key}`}
            value="rejected"
            checked={decision.state === 'rejected'}
            onChange={() => onChange({ ...decision, state: 'rejected' })}
          />{' '}
          Reject: not personal data
        </label>
        <label for={`treatment-${key}`} class="inline">
          Protect by
        </label>
        <select
          id={`treatment-${key}`}
          value={decision.treatment}
          disabled={decision.state !== 'confirmed'}
          onChange={(event) =>
            onChange({
              ...decision,
              treatment: (event.target as HTMLSelectElement).value as Decision['treatment'],
            })
          }
        >
          <option value="">policy default ({policy})</option>
          <option value="hash">hash</option>
          <option value="mask">mask</option>
          <option value="drop">drop</option>
        </select>
      </div>
    </fieldset>
  );
}
