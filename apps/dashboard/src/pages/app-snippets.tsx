import { useState } from 'preact/hooks';
import { type FlowSettings, LANGUAGES, type Language } from '../flow/snippets';
import { CopyButton } from '../ui';

/** The code flow in curl, JavaScript, Python and PHP, one tab each (WAI-ARIA tabs pattern). */
export function FlowSnippets({ settings }: { settings: FlowSettings }) {
  const [tab, setTab] = useState<Language>('curl');
  const [, label, make] = LANGUAGES.find(([key]) => key === tab) ?? LANGUAGES[0];
  const text = make(settings);
  return (
    <section class="panel" aria-labelledby="snippets-title">
      <h2 id="snippets-title">Code flow snippets</h2>
      <p class="muted">
        Each one exchanges the code at the token endpoint, refreshes, and calls the API.
        {settings.confidential
          ? ' The client secret is never shown here again: export it as HAL_CLIENT_SECRET before running.'
          : ' A public app sends its client_id and the PKCE verifier, no secret.'}{' '}
        The curl steps use the URL and verifier above; the scripts make their own for every attempt.
      </p>
      <div role="tablist" aria-label="Language" class="row">
        {LANGUAGES.map(([key, name]) => (
          <button
            key={key}
            type="button"
            role="tab"
            id={`tab-${key}`}
            aria-selected={tab === key}
            aria-controls="snippet-panel"
            class={tab === key ? 'small' : 'secondary small'}
            onClick={() => setTab(key)}
          >
            {name}
          </button>
        ))}
      </div>
      <div id="snippet-panel" role="tabpanel" aria-labelledby={`tab-${tab}`}>
        <pre class="snippet" data-testid={`snippet-${tab}`}>
          {text}
        </pre>
        <CopyButton text={text} label={`Copy ${label}`} />
      </div>
    </section>
  );
}
