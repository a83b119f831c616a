import type { IdentifiedUser } from './events';

// `all: initial !important` on :host wins over any host-page rule, even `!important` ones, because
// for important declarations the shadow tree's context beats the outer document (CSS Cascade 5 §6.1).
const CSS =
  ':host{all:initial!important;display:block!important;position:fixed!important;' +
  'inset:auto 20px 20px auto!important;z-index:2147483647!important}' +
  '.w{display:grid;justify-items:end;gap:8px;font:14px/1.4 sans-serif}' +
  '.p,button{box-shadow:0 4px 16px #0003}' +
  '.p{background:#fff;border-radius:8px;padding:12px;max-width:260px;overflow-wrap:anywhere}' +
  'button{width:56px;height:56px;border:0;border-radius:50%;background:#1f2937;color:#fff;font:600 22px sans-serif;cursor:pointer}' +
  'button:focus-visible{outline:3px solid #60a5fa;outline-offset:2px}';

// Static markup only; user data goes in through textContent.
const HTML =
  `<style>${CSS}</style><div class="w"><div class="p" role="dialog" aria-label="HAL" hidden></div>` +
  '<button aria-label="Open HAL" aria-expanded="false">H</button></div>';

export interface Launcher {
  mount(): void;
  render(user: IdentifiedUser | undefined): void;
}

/** The launcher button and panel, in a closed shadow root so host CSS and scripts cannot reach in. */
export function createLauncher(): Launcher {
  let host: HTMLElement | undefined;
  let panel: HTMLElement;
  let button: HTMLElement;
  let current: IdentifiedUser | undefined;

  const toggle = (open: boolean) => {
    panel.hidden = !open;
    button.ariaExpanded = `${open}`;
  };

  function render(user: IdentifiedUser | undefined): void {
    current = user;
    if (!host) return;
    // Data attributes on the light-DOM host are the only state a page or test can observe.
    host.dataset.state = user ? 'identified' : 'anonymous';
    if (user) host.dataset.userId = user.user_id;
    else delete host.dataset.userId;
    panel.textContent = user ? `Signed in as ${user.name || user.user_id}` : 'Not identified';
  }

  function mount(): void {
    if (host) return;
    if (!document.body) {
      document.addEventListener('DOMContentLoaded', mount, { once: true });
      return;
    }
    host = document.createElement('div');
    host.id = 'hal-widget-root';
    const root = host.attachShadow({ mode: 'closed' });
    root.innerHTML = HTML;
    // Document order: the panel comes before the button.
    [panel, button] = root.querySelectorAll('.p,button') as unknown as [HTMLElement, HTMLElement];
    button.onclick = () => toggle(panel.hidden);
    root.addEventListener('keydown', (e) => (e as KeyboardEvent).key === 'Escape' && toggle(false));
    render(current);
    document.body.append(host);
  }

  return { mount, render };
}
