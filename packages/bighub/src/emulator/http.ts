/** An HTTP answer: status and JSON body. */
export interface Answer {
  status: number;
  body: unknown;
}

/** Thrown by a handler to answer with an error at once. */
export class HttpError extends Error {
  constructor(readonly answer: Answer) {
    super(`HTTP ${answer.status}`);
  }
}

export function ok(body: unknown, status = 200): Answer {
  return { status, body };
}

export function fail(status: number, detail: string, code: string, extra: Record<string, unknown> = {}): Answer {
  return { status, body: { detail, code, ...extra } };
}

/** A FastAPI-style 422 for one field. */
export function invalid(field: string, msg: string): Answer {
  return { status: 422, body: { detail: [{ loc: ['body', field], msg, type: 'value_error' }] } };
}

/** Throws a 422 for one field. */
export function refuse(field: string, msg: string): never {
  throw new HttpError(invalid(field, msg));
}

/** Throws a 404. */
export function notFound(what: string): never {
  throw new HttpError(fail(404, `${what} not found`, 'not_found'));
}

/** The entry of `map` under `id`; throws a 404 naming `what` when there is none. */
export function found<T>(map: ReadonlyMap<string, T>, id: string | undefined, what: string): T {
  const value = id === undefined ? undefined : map.get(id);
  if (value === undefined) notFound(what);
  return value;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A positive limit from a query string, else `fallback`. */
export function limitOf(raw: string | undefined, fallback: number): number {
  const n = Number(raw ?? fallback);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Milliseconds in `window_hours` (default 24). */
export function windowMs(raw: unknown): number {
  const hours = Number(raw ?? 24);
  return (Number.isFinite(hours) && hours > 0 ? hours : 24) * 3_600_000;
}

/** Counts values, most frequent first. */
export function countBy(values: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/** What a handler gets: the parsed body, path parameters, query, and who is calling. */
export interface HandlerRequest {
  body: Record<string, unknown>;
  /** Decoded path parameters, in order. */
  params: string[];
  query: Record<string, string>;
  /** The caller's user id, for calls with a bearer token. */
  userId?: string;
}
