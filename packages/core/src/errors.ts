/** The name of a thrown value: `Error.name`, or its type for a non-Error. */
export function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

/** The message of a thrown value, never throwing itself. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  try {
    return String(err);
  } catch {
    return 'unprintable error';
  }
}
