import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { enc, request } from '../api.ts';
import type { Product } from '../types.ts';
import { SaveOutcome } from './common.tsx';

// The product policy's `undecided` setting: what a published product does with columns that look
// like personal data while nobody has confirmed or rejected them (a suggestion left open, a column
// added after publishing): send them as the database has them (the default) or protect them as
// `personalData` says until decided. Shown on the product page, set on the Publish page and, by an
// owner, on the product page too.

export type Undecided = 'send' | 'protect';

export function undecidedOf(product: Product): Undecided {
  return product.policy.undecided ?? 'send';
}

/** One sentence: what happens to undecided columns under `setting`. */
export function undecidedExplanation(setting: Undecided, personalData: string): string {
  return setting === 'protect'
    ? `Columns that look like personal data but nobody has decided yet (open suggestions, columns added after publishing) are protected (${personalData}) before Kafka until decided; a column that is not text is dropped.`
    : 'Columns that look like personal data but nobody has decided yet (open suggestions, columns added after publishing) reach Kafka as the database has them until decided; the product’s health is amber meanwhile.';
}

/** The setting as a labelled select with its explanation (an owner's form field); `children` beside it. */
export function UndecidedField({
  id,
  value,
  personalData,
  onChange,
  children,
}: {
  id: string;
  value: Undecided;
  personalData: string;
  onChange: (value: Undecided) => void;
  children?: ComponentChildren;
}) {
  return (
    <div class="field undecided-field">
      <label for={id}>Undecided personal data</label>
      <div class="undecided-row">
        <select
          id={id}
          value={value}
          aria-describedby={`${id}-help`}
          onChange={(event) => onChange((event.target as HTMLSelectElement).value as Undecided)}
        >
          <option value="send">send as is until decided</option>
          <option value="protect">protect ({personalData}) until decided</option>
        </select>
        {children}
      </div>
      <p id={`${id}-help`} class="help">
        {undecidedExplanation(value, personalData)}
      </p>
    </div>
  );
}

/** An owner's form on the product page: changes the setting through PATCH /products/{id}. */
export function UndecidedPolicyForm({ product, onSaved }: { product: Product; onSaved: () => void }) {
  const stored = undecidedOf(product);
  const [value, setValue] = useState<Undecided>(stored);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  useEffect(() => setValue(stored), [stored]);

  return (
    <form
      class="undecided-form"
      aria-label="Undecided personal data policy"
      onSubmit={async (event) => {
        event.preventDefault();
        setBusy(true);
        setError(undefined);
        setSaved(false);
        try {
          await request('PATCH', `/products/${enc(product.id)}`, { policy: { undecided: value } });
          setSaved(true);
          onSaved();
        } catch (failure) {
          setError(failure instanceof Error ? failure.message : String(failure));
        } finally {
          setBusy(false);
        }
      }}
    >
      <UndecidedField
        id="undecided-policy"
        value={value}
        personalData={product.policy.personalData}
        onChange={(next) => {
          setValue(next);
          setSaved(false);
        }}
      >
        <button type="submit" class="button-secondary" disabled={busy || value === stored}>
          Save policy
        </button>
      </UndecidedField>
      <SaveOutcome error={error} saved={saved} />
    </form>
  );
}
