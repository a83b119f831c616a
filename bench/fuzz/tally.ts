import type { Generated } from './requests';
import type { Exchange } from './wire';

interface Example {
  label: string;
  what: string;
  request: string;
  answer?: string;
  previous?: string;
}

const preview = (g: Generated, max = 400) =>
  JSON.stringify(Buffer.concat(g.wire.parts).toString('latin1').slice(0, max));

/** Counts what the server answered, and keeps examples of everything that fails the run. */
export class Tally {
  readonly statuses = new Map<string, number>();
  readonly kinds = new Map<string, number>();
  readonly routes = new Map<string, number[]>(); // label → [n, 2xx, 3xx, 4xx, 5xx, no answer]
  readonly failures: Example[] = [];
  serverErrors = 0;
  unavailable = 0;
  dropped = 0;
  timeouts = 0;
  overLimit = 0;
  overLimitClosed = 0;
  notJson = 0;
  readonly notJsonExamples: Example[] = [];

  record(g: Generated, exchange: Exchange) {
    bump(this.kinds, g.kind);
    const row = this.routes.get(g.label) ?? [0, 0, 0, 0, 0, 0];
    this.routes.set(g.label, row);
    (row[0] as number)++;
    for (const answer of exchange.answers) {
      bump(this.statuses, String(answer.status));
      const cls = Math.min(5, Math.floor(answer.status / 100));
      if (cls >= 2) (row[cls - 1] as number)++;
      if (answer.status === 503) this.unavailable++;
      else if (answer.status >= 500) {
        this.serverErrors++;
        this.keep({
          label: g.label,
          what: `answered ${answer.status}`,
          request: preview(g),
          answer: answer.body.toString('utf8').slice(0, 300),
        });
      }
      const type = answer.headers.get('content-type') ?? '';
      if (
        (g.surface === 'api' || g.surface === 'oauth') &&
        answer.status >= 400 &&
        ![413, 414, 431].includes(answer.status) &&
        !type.startsWith('application/json')
      ) {
        this.notJson++;
        if (this.notJsonExamples.length < 5)
          this.notJsonExamples.push({
            label: g.label,
            what: `${answer.status} ${type}`,
            request: preview(g, 200),
          });
      }
    }
    if (g.kind === 'over') this.overLimit++;
    if (!exchange.failure) return;
    if (exchange.answers.length === 0) (row[5] as number)++;
    bump(this.statuses, `(${exchange.failure})`);
    if (g.kind === 'over') {
      this.overLimitClosed++; // past the limit HAL may stop reading and close
      return;
    }
    // A broken or smuggled request may leave bytes HAL reads as a second, unanswerable request.
    if (g.kind === 'framing' && exchange.answers.length > 0) return;
    if (exchange.failure === 'timeout') this.timeouts++;
    else this.dropped++;
    this.keep({
      label: g.label,
      what: `${exchange.failure} after ${exchange.answers.length} answers`,
      request: preview(g),
      ...(exchange.unread && { answer: JSON.stringify(exchange.unread) }),
      ...(exchange.previous && { previous: JSON.stringify(exchange.previous) }),
    });
  }

  private keep(example: Example) {
    if (this.failures.length < 20) this.failures.push(example);
  }

  passed() {
    return this.serverErrors === 0 && this.dropped === 0 && this.timeouts === 0;
  }

  brief() {
    return `(${this.serverErrors} × 5xx, ${this.dropped} dropped, ${this.timeouts} timeouts)`;
  }

  report(): string[] {
    const sorted = [...this.statuses].sort(([a], [b]) => a.localeCompare(b));
    const lines = [
      `status histogram: ${sorted.map(([s, n]) => `${s}: ${n}`).join('  ')}`,
      `requests by kind: ${[...this.kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`,
      `over the 64 KiB limit: ${this.overLimit} sent, ${this.overLimitClosed} of them closed by HAL before or instead of an answer (allowed)`,
      `500 and other 5xx but 503: ${this.serverErrors}; 503: ${this.unavailable}; connections dropped under the limit: ${this.dropped}; timeouts: ${this.timeouts}`,
      `error answers without JSON on JSON surfaces: ${this.notJson}`,
      ...this.notJsonExamples.map((e) => `  ${e.label}: ${e.what} ${e.request}`),
      'per route (requests, 2xx, 3xx, 4xx, 5xx, unanswered):',
      ...[...this.routes]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([label, row]) => `  ${label.padEnd(48)} ${row.map((n) => String(n).padStart(6)).join(' ')}`),
    ];
    if (this.failures.length) lines.push('failures (first 20):');
    for (const f of this.failures)
      lines.push(
        `  ${f.label}: ${f.what}\n    request: ${f.request}${f.answer ? `\n    answer: ${f.answer}` : ''}${
          f.previous ? `\n    after, on the same connection: ${f.previous}` : ''
        }`,
      );
    return lines;
  }
}

function bump(map: Map<string, number>, key: string) {
  map.set(key, (map.get(key) ?? 0) + 1);
}
