import type { StatementHook } from '@hal/db';
import { context, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_SUMMARY,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from '@opentelemetry/semantic-conventions';

const OPERATION = /^\s*(\w+)/;
const TABLE = /\b(?:from|into|update|join)\s+"?(\w+)"?/i;

/**
 * A client span per statement, child of the request's span (statements of no request, such as
 * the periodic sweep, are not traced). Named `OPERATION table` from the statement's text; neither
 * the text nor its parameters are recorded.
 * @see https://opentelemetry.io/docs/specs/semconv/database/database-spans/
 */
export function statementSpans(tracer: Tracer): StatementHook {
  return (sql) => {
    const active = context.active();
    if (!trace.getSpan(active)) return () => {};
    const operation = OPERATION.exec(sql)?.[1]?.toUpperCase() ?? 'QUERY';
    const table = TABLE.exec(sql)?.[1];
    const summary = table ? `${operation} ${table}` : operation;
    const span = tracer.startSpan(
      summary,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
          [ATTR_DB_OPERATION_NAME]: operation,
          [ATTR_DB_QUERY_SUMMARY]: summary,
          ...(table && { [ATTR_DB_COLLECTION_NAME]: table }),
        },
      },
      active,
    );
    return (error) => {
      if (error) {
        const code = (error as { code?: unknown }).code;
        span.setAttribute(ATTR_ERROR_TYPE, typeof code === 'string' ? code : 'error');
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    };
  };
}
