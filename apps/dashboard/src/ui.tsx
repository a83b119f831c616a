import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { copyText } from './clipboard';
import type { Async } from './hooks';
import { errorMessage } from './trpc';

export const Loading = () => (
  <p class="muted" role="status" aria-live="polite">
    Loading…
  </p>
);

export const ErrorBox = ({ error }: { error: unknown }) =>
  error ? (
    <p class="error" role="alert">
      {errorMessage(error)}
    </p>
  ) : null;

export const Empty = ({ children }: { children: ComponentChildren }) => <p class="empty">{children}</p>;

/** Renders the three states of an async load: loading, error (with retry), data. */
export function Load<T>({ state, children }: { state: Async<T>; children: (data: T) => ComponentChildren }) {
  if (state.error)
    return (
      <div>
        <ErrorBox error={state.error} />
        <button type="button" class="secondary" onClick={state.reload}>
          Try again
        </button>
      </div>
    );
  if (state.loading && state.data === undefined) return <Loading />;
  return <>{children(state.data as T)}</>;
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    const done = await copyText(text);
    setCopied(done);
    if (done) setTimeout(() => setCopied(false), 2000);
  };
  return (
    <button type="button" class="secondary small" onClick={copy} aria-live="polite">
      {copied ? 'Copied' : label}
    </button>
  );
}

/** A secret shown exactly once, with a copy button and a warning. */
export function SecretOnce({ label, value, onDone }: { label: string; value: string; onDone: () => void }) {
  return (
    <section class="secret" aria-label={label}>
      <p>
        <strong>{label}</strong>: copy it now. It will not be shown again.
      </p>
      <code class="secret-value" data-testid="secret-value">
        {value}
      </code>
      <div class="row">
        <CopyButton text={value} />
        <button type="button" onClick={onDone}>
          I have saved it
        </button>
      </div>
    </section>
  );
}

/** A button that asks for a second click before doing something destructive. */
export function ConfirmButton(props: {
  label: string;
  confirm: string;
  onConfirm: () => void;
  disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" class="danger" disabled={props.disabled} onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  return (
    <span class="confirm">
      <span>{props.confirm}</span>
      <button
        type="button"
        class="danger"
        onClick={() => {
          setAsking(false);
          props.onConfirm();
        }}
      >
        Yes
      </button>
      <button type="button" class="secondary" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : 'never');

/** A set of scope checkboxes (apps' allowed scopes, tokens' scopes). */
export function ScopePicker(props: {
  legend: string;
  options: readonly string[];
  value: string[];
  onChange: (scopes: string[]) => void;
}) {
  const toggle = (scope: string, on: boolean) =>
    props.onChange(on ? [...props.value, scope] : props.value.filter((x) => x !== scope));
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      {props.options.map((s) => (
        <label class="check" key={s}>
          <input
            type="checkbox"
            checked={props.value.includes(s)}
            onChange={(e) => toggle(s, e.currentTarget.checked)}
          />
          {s}
        </label>
      ))}
    </fieldset>
  );
}
