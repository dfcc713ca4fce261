import type { ComponentChildren } from 'preact';

// Small pieces every page uses: badges whose colour always comes with a word (never colour alone),
// a status line for loading and errors, and a page heading that takes focus on navigation.

const TONES: Record<string, string> = {
  RUNNING: 'good',
  green: 'good',
  published: 'good',
  confirmed: 'good',
  PAUSED: 'warn',
  amber: 'warn',
  draft: 'info',
  suggested: 'warn',
  STOPPED: 'muted',
  UNASSIGNED: 'muted',
  deprecated: 'muted',
  rejected: 'muted',
  FAILED: 'bad',
  red: 'bad',
  MISSING: 'bad',
  RESTARTING: 'warn',
};

export function Badge({ value, label }: { value: string; label?: string }) {
  return (
    <span class={`badge badge-${TONES[value] ?? 'plain'}`}>
      {label ? <span class="visually-hidden">{label}: </span> : null}
      {value}
    </span>
  );
}

export function Status({ error, loading }: { error?: string | undefined; loading?: boolean }) {
  if (error)
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  if (loading)
    return (
      <p class="muted" aria-live="polite">
        Loading…
      </p>
    );
  return null;
}

/** What a form's save came to: its error, or a short confirmation. */
export function SaveOutcome({ error, saved }: { error?: string | undefined; saved: boolean }) {
  if (error)
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  if (saved)
    return (
      <p class="ok" role="status">
        Saved.
      </p>
    );
  return null;
}

export function PageHeading({ children, sub }: { children: ComponentChildren; sub?: ComponentChildren }) {
  return (
    <header class="page-heading">
      <h1 id="page-title" tabIndex={-1}>
        {children}
      </h1>
      {sub ? <div class="page-sub">{sub}</div> : null}
    </header>
  );
}

export function Section({
  title,
  id,
  children,
  actions,
}: {
  title: string;
  id: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <section class="panel" aria-labelledby={id}>
      <div class="panel-head">
        <h2 id={id}>{title}</h2>
        {actions ? <div class="panel-actions">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}

export function formatMs(ms: number | undefined | null): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export function formatAgo(iso: string | undefined): string {
  if (!iso) return '—';
  return `${formatMs(Date.now() - new Date(iso).getTime())} ago`;
}

/** A box that scrolls sideways: focusable, so keyboard users can scroll it too. */
export function ScrollBox({
  label,
  class: className,
  children,
}: {
  label: string;
  class?: string;
  children: ComponentChildren;
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1)
    <section class={className ?? 'table-scroll'} tabIndex={0} aria-label={label}>
      {children}
    </section>
  );
}
