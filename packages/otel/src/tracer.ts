import { type Tracer, trace } from '@opentelemetry/api';

/** The instrumentation scope name of every span this package makes. */
export const TRACER_NAME = '@tollgate/otel';
/** The version reported with the scope. */
export const TRACER_VERSION = '0.1.0';

/** This package's tracer from the globally registered provider (a no-op one until the application registers an SDK). */
export function tracerOf(): Tracer {
  return trace.getTracer(TRACER_NAME, TRACER_VERSION);
}
