/** The name of a thrown value: `Error.name`, or its type for a non-Error; never throws, even for hostile getters. */
export function errorName(err: unknown): string {
  try {
    if (err instanceof Error) {
      const name = err.name;
      return typeof name === 'string' ? name : 'Error';
    }
    return typeof err;
  } catch {
    return 'Error';
  }
}

/** The message of a thrown value, never throwing itself (a throwing `message` getter or `toString` included). */
export function errorText(err: unknown): string {
  try {
    if (err instanceof Error) {
      const message = err.message;
      return typeof message === 'string' ? message : String(message);
    }
    return String(err);
  } catch {
    return 'unprintable error';
  }
}
