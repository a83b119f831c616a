import type { Database } from '@hal/db';
import { context, propagation, type Tracer, trace } from '@opentelemetry/api';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { MiddlewareHandler } from 'hono';
import type { Env } from '../http/types';
import { statementSpans } from './db-spans';
import { httpSpans } from './http-spans';

/** What server.ts wires in when traces are exported. */
export interface Tracing {
  middleware: MiddlewareHandler<Env>;
  /** Sends the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

/**
 * Exports traces over OTLP/HTTP (JSON) to `<endpoint>/v1/traces`: a span per HTTP request, with a
 * child span per database statement. Called only when OTEL_EXPORTER_OTLP_ENDPOINT is set; the SDK
 * is imported here, dynamically, so that without it none of the SDK is even loaded (also from
 * the bundle of `npm run build`, which keeps packages' dynamic imports as they are). The SDK's
 * own OTEL_* variables (headers, batch delays, sampler) keep their standard meaning.
 * @see https://opentelemetry.io/docs/specs/otel/protocol/exporter/
 */
export async function startTracing(
  options: { endpoint: string; serviceName: string },
  database: Database,
): Promise<Tracing> {
  const [{ OTLPTraceExporter }, { resourceFromAttributes }, { BatchSpanProcessor, NodeTracerProvider }] =
    await Promise.all([
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/sdk-trace-node'),
    ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.endpoint}/v1/traces` }))],
  });
  // The AsyncLocalStorage context manager (statements find their request's span) and the W3C
  // traceparent propagator; a second instance in the process keeps the first one's.
  provider.register();
  const tracer: Tracer = provider.getTracer('hal');
  database.activity.hook = statementSpans(tracer);
  return {
    middleware: httpSpans(tracer),
    async shutdown() {
      database.activity.hook = undefined;
      await provider.shutdown();
      // The process is left as it was found (tests start and stop servers in one process).
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
