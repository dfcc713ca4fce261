import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { enc, get, ownDomain, type Principal, request } from '../api.ts';
import { PageHeading, Status } from '../components/common.tsx';
import { useLoad, usePageTitle } from '../hooks.ts';
import { href, navigate } from '../router.ts';
import type { ConfigInfos, ConfigKeyInfo } from '../types.ts';

// A connector from a form generated from its plugin's ConfigDef (GET /connector-plugins/{p}/config,
// with recommended values from /config/validate): one fieldset per group, each field with its
// documentation and default; required and high-importance fields shown, the rest folded away.
// Validate runs the host's own checks (fields, cross-field, connectivity) and shows each error next
// to its field; Create validates first and only then creates.

interface Plugin {
  class: string;
  type: string;
  version: string;
}

interface Field extends ConfigKeyInfo {
  recommended: string[];
}

const HIDDEN = new Set(['connector.class', 'name']);

function fieldId(name: string): string {
  return `field-${name.replace(/[^A-Za-z0-9]/g, '-')}`;
}

export function NewConnectorPage({ principal }: { principal: Principal }) {
  usePageTitle('New connector');
  const domain = ownDomain(principal);
  const plugins = useLoad(() => get<Plugin[]>('/connector-plugins'), []);
  const [plugin, setPlugin] = useState('');
  const [name, setName] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [general, setGeneral] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [checked, setChecked] = useState(false);
  const summary = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (plugin === '' && plugins.data?.length) {
      const first = plugins.data.find((entry) => /postgres/i.test(entry.class)) ?? plugins.data[0];
      if (first) setPlugin(first.class);
    }
  }, [plugins.data]);

  const fields = useLoad(async (): Promise<Field[]> => {
    if (plugin === '') return [];
    const [definitions, validation] = await Promise.all([
      get<ConfigKeyInfo[]>(`/connector-plugins/${enc(plugin)}/config`),
      request<ConfigInfos>('PUT', `/connector-plugins/${enc(plugin)}/config/validate`, {
        'connector.class': plugin,
      }).catch(() => undefined),
    ]);
    const recommended = new Map(
      (validation?.configs ?? []).map((entry) => [entry.definition.name, entry.value.recommended_values]),
    );
    const known = new Set(definitions.map((entry) => entry.name));
    // The host's own keys (errors.*, product.*, converters) come with validate's answer.
    const all = [
      ...definitions,
      ...(validation?.configs ?? [])
        .map((entry) => entry.definition)
        .filter((entry) => !known.has(entry.name)),
    ];
    return all
      .filter((entry) => !HIDDEN.has(entry.name))
      .map((entry) => ({ ...entry, recommended: recommended.get(entry.name) ?? [] }));
  }, [plugin]);

  useEffect(() => {
    setValues(domain ? { 'product.domain': domain } : {});
    setErrors({});
    setGeneral(undefined);
    setChecked(false);
  }, [plugin]);

  const config = (): Record<string, string> => {
    const result: Record<string, string> = { 'connector.class': plugin };
    for (const [key, value] of Object.entries(values)) if (value.trim() !== '') result[key] = value.trim();
    if (name.trim() !== '') result.name = name.trim();
    return result;
  };

  /** Runs /config/validate; true when the host found nothing wrong. */
  const validate = async (): Promise<boolean> => {
    const answer = await request<ConfigInfos>(
      'PUT',
      `/connector-plugins/${enc(plugin)}/config/validate`,
      config(),
    );
    const found: Record<string, string[]> = {};
    for (const entry of answer.configs)
      if (entry.value.errors.length > 0) found[entry.value.name] = entry.value.errors;
    if (name.trim() === '') found.name = ['A connector needs a name.'];
    setErrors(found);
    setChecked(true);
    const count = Object.keys(found).length;
    if (count > 0) {
      // Folded groups holding an error open, and focus goes to the summary that links to each field.
      requestAnimationFrame(() => {
        for (const key of Object.keys(found))
          document.getElementById(fieldId(key))?.closest('details')?.setAttribute('open', '');
        summary.current?.focus();
      });
    }
    return count === 0;
  };

  const run = async (create: boolean) => {
    setBusy(create ? 'Creating' : 'Validating');
    setGeneral(undefined);
    try {
      if (!(await validate()) || !create) return;
      const { name: connectorName, ...rest } = config();
      await request('POST', '/connectors', { name: connectorName, config: rest });
      navigate(`/connectors/${enc(connectorName ?? '')}`);
    } catch (failure) {
      setGeneral(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(undefined);
    }
  };

  const groups = new Map<string, Field[]>();
  for (const field of fields.data ?? [])
    groups.set(field.group || 'Other', [...(groups.get(field.group || 'Other') ?? []), field]);
  const errorKeys = Object.keys(errors);

  return (
    <>
      <PageHeading sub="Settings come from the plugin's own definitions; Validate asks the host to check them (including a connection test).">
        New connector
      </PageHeading>
      <form
        class="connector-form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void run(true);
        }}
      >
        <div class="form-grid">
          <div class="field">
            <label for="plugin">Plugin</label>
            <select
              id="plugin"
              value={plugin}
              onChange={(event) => setPlugin((event.target as HTMLSelectElement).value)}
            >
              {(plugins.data ?? []).map((entry) => (
                <option key={entry.class} value={entry.class}>
                  {entry.class.split('.').at(-1)} ({entry.type})
                </option>
              ))}
            </select>
          </div>
          <FieldBox
            id={fieldId('name')}
            label="Connector name"
            required
            doc="Unique name of the connector (at most 249 characters)."
            errors={errors.name}
          >
            {(describedBy) => (
              <input
                id={fieldId('name')}
                name="name"
                value={name}
                required
                aria-required="true"
                aria-invalid={errors.name ? 'true' : undefined}
                aria-describedby={describedBy}
                onInput={(event) => setName((event.target as HTMLInputElement).value)}
              />
            )}
          </FieldBox>
        </div>

        <div
          ref={summary}
          tabIndex={-1}
          class={errorKeys.length > 0 ? 'error-summary' : undefined}
          aria-live="polite"
        >
          {errorKeys.length > 0 ? (
            <>
              <h2>
                {errorKeys.length === 1
                  ? '1 setting needs attention'
                  : `${errorKeys.length} settings need attention`}
              </h2>
              <ul>
                {errorKeys.map((key) => (
                  <li key={key}>
                    <a href={`#${fieldId(key)}`}>{key}</a>: {errors[key]?.join(' ')}
                  </li>
                ))}
              </ul>
            </>
          ) : checked ? (
            <p class="ok">The host found no problem with these settings.</p>
          ) : null}
        </div>
        <Status error={fields.error ?? plugins.error} loading={fields.loading && plugin !== ''} />

        {[...groups].map(([group, list]) => {
          const sorted = [...list].sort((a, b) => a.order - b.order);
          const main = sorted.filter(
            (field) => field.required || field.importance === 'HIGH' || errors[field.name],
          );
          const more = sorted.filter((field) => !main.includes(field));
          return (
            <fieldset key={group} class="group">
              <legend>{group}</legend>
              <div class="form-grid">
                {main.map((field) => (
                  <ConfigField
                    key={field.name}
                    field={field}
                    value={values[field.name] ?? ''}
                    errors={errors[field.name]}
                    locked={field.name === 'product.domain' && domain !== undefined}
                    onChange={(value) => setValues({ ...values, [field.name]: value })}
                  />
                ))}
              </div>
              {more.length > 0 ? (
                <details>
                  <summary>
                    {main.length > 0 ? 'More settings' : 'Settings'} ({more.length})
                  </summary>
                  <div class="form-grid">
                    {more.map((field) => (
                      <ConfigField
                        key={field.name}
                        field={field}
                        value={values[field.name] ?? ''}
                        errors={errors[field.name]}
                        locked={field.name === 'product.domain' && domain !== undefined}
                        onChange={(value) => setValues({ ...values, [field.name]: value })}
                      />
                    ))}
                  </div>
                </details>
              ) : null}
            </fieldset>
          );
        })}

        {general ? (
          <p class="error" role="alert">
            {general}
          </p>
        ) : null}
        <div class="toolbar sticky-actions">
          <button
            type="button"
            class="button-secondary"
            disabled={!!busy || plugin === ''}
            onClick={() => void run(false)}
          >
            Validate
          </button>
          <button type="submit" disabled={!!busy || plugin === ''}>
            Create connector
          </button>
          {busy ? <span class="muted">{busy}…</span> : null}
          <a href={href('/connectors')}>Cancel</a>
        </div>
      </form>
    </>
  );
}

function FieldBox({
  id,
  label,
  required,
  doc,
  errors,
  children,
}: {
  id: string;
  label: string;
  required?: boolean;
  doc?: string;
  errors: string[] | undefined;
  children: (describedBy: string) => ComponentChildren;
}) {
  const describedBy = [doc ? `${id}-doc` : '', errors ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class={`field${errors ? ' has-error' : ''}`}>
      <label for={id}>
        {label}
        {required ? <span class="required"> (required)</span> : null}
      </label>
      {children(describedBy)}
      {errors ? (
        <p id={`${id}-error`} class="field-error">
          {errors.join(' ')}
        </p>
      ) : null}
      {doc ? (
        <p id={`${id}-doc`} class="help">
          {doc}
        </p>
      ) : null}
    </div>
  );
}

function ConfigField({
  field,
  value,
  errors,
  locked,
  onChange,
}: {
  field: Field;
  value: string;
  errors: string[] | undefined;
  locked: boolean;
  onChange: (value: string) => void;
}) {
  const id = fieldId(field.name);
  const label =
    field.display_name && field.display_name !== field.name
      ? `${field.display_name} (${field.name})`
      : field.name;
  const defaultText =
    field.default_value !== null && field.default_value !== '' ? `default ${field.default_value}` : '';
  const doc = [field.documentation, defaultText ? `(${defaultText})` : ''].filter(Boolean).join(' ');
  const options = field.type === 'BOOLEAN' ? ['true', 'false'] : field.recommended;
  return (
    <FieldBox id={id} label={label} required={field.required} doc={doc} errors={errors}>
      {(describedBy) => {
        const common = {
          id,
          name: field.name,
          'aria-invalid': errors ? ('true' as const) : undefined,
          'aria-describedby': describedBy || undefined,
          'aria-required': field.required ? ('true' as const) : undefined,
          disabled: locked,
        };
        if (options.length > 0)
          return (
            <select
              {...common}
              value={value}
              onChange={(event) => onChange((event.target as HTMLSelectElement).value)}
            >
              <option value="">{defaultText ? `(${defaultText})` : '(not set)'}</option>
              {options.map((option) => (
                <option key={option} value={option}>
                  {option}
                </option>
              ))}
            </select>
          );
        return (
          <input
            {...common}
            type={field.type === 'PASSWORD' ? 'password' : 'text'}
            autoComplete={field.type === 'PASSWORD' ? 'new-password' : 'off'}
            inputMode={field.type === 'INT' || field.type === 'LONG' ? 'numeric' : undefined}
            placeholder={field.default_value ?? ''}
            value={value}
            onInput={(event) => onChange((event.target as HTMLInputElement).value)}
          />
        );
      }}
    </FieldBox>
  );
}
