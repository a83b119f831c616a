import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/api';
import { useInstance } from '../support/fixtures';
import { codeFlow } from '../support/oauth';
import { BACKENDS } from '../support/servers';
import { type ReceivedSpan, startOtlpReceiver } from './otlp-receiver';

// The SDK's own variable (read by its batch processor): spans leave within 0.1 s, not 5 s.
process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
const SERVER = 2; // OTLP SpanKind
const CLIENT = 3;

describe.each(BACKENDS)('OpenTelemetry traces over OTLP/HTTP on %s', (backend) => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  const env: Record<string, string> = { OTEL_SERVICE_NAME: 'hal-under-test' };
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url; // read by useInstance's beforeAll, next
  });
  afterAll(() => receiver.close()); // after the server's close, which flushes its last spans
  const hal = useInstance(backend, { app: {}, env });

  const childrenOf = (parent: ReceivedSpan) =>
    receiver.spans.filter((s) => s.traceId === parent.traceId && s.parentSpanId === parent.spanId);

  it('exports a span per request named after its route, with a child span per statement', async () => {
    const { code, res } = await codeFlow(hal.url, hal.user.browser, hal.app, { scope: 'profile' });
    expect(res.status).toBe(200);
    const token = await receiver.waitFor(
      (s) => s.name === 'POST /oauth/token' && s.attributes['http.response.status_code'] === 200,
    );
    expect(token).toMatchObject({
      kind: SERVER,
      service: 'hal-under-test',
      attributes: { 'http.request.method': 'POST', 'http.route': '/oauth/token', 'url.path': '/oauth/token' },
    });
    expect(token.traceId).toMatch(/^[0-9a-f]{32}$/);
    // The batch that carries the request span carries its statements too (they end first).
    const statements = childrenOf(token);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement.kind).toBe(CLIENT);
      expect(statement.attributes['db.system.name']).toBe('postgresql');
      expect(statement.attributes['db.operation.name']).toMatch(/^[A-Z]+$/);
    }
    // The code's redemption is an UPDATE of the codes table.
    expect(statements.map((s) => s.name)).toContain('UPDATE authorization_codes');
    // Neither statement parameters nor query strings reach a span.
    await receiver.waitFor((s) => s.name === 'GET /oauth/authorize');
    const exported = JSON.stringify(receiver.spans);
    for (const secret of [code, res.json.access_token, res.json.refresh_token, hal.app.client_secret])
      expect(exported).not.toContain(secret);
    expect(receiver.contentTypes[0]).toBe('application/json');
  });

  it("continues the caller's traceparent (W3C Trace Context §3.2)", async () => {
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    const project = await hal.user.createProject('Traced');
    const res = await api(hal.url, 'GET', `/api/v1/projects/${project.id}`, {
      auth: hal.user.auth,
      headers: { traceparent: `00-${traceId}-${parentId}-01` },
    });
    expect(res.status).toBe(200);
    const span = await receiver.waitFor((s) => s.traceId === traceId && s.kind === SERVER);
    expect(span.name).toBe('GET /api/v1/projects/:id');
    expect(span.parentSpanId).toBe(parentId);
    expect(childrenOf(span).some((s) => s.attributes['db.system.name'] === 'postgresql')).toBe(true);
  });

  it('marks a 4xx answer with its status but not as an error (server spans fail on 5xx)', async () => {
    const traceId = randomBytes(16).toString('hex');
    const res = await api(hal.url, 'GET', '/api/v1/projects', {
      headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    });
    expect(res.status).toBe(401);
    const span = await receiver.waitFor((s) => s.traceId === traceId);
    expect(span.attributes['http.response.status_code']).toBe(401);
    expect(span.status?.code ?? 0).toBe(0);
  });
});
