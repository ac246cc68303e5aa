/** Where screenshots go: docs/console/, only with TOLLGATE_SCREENSHOTS=1 (so CI leaves the tree clean). */
export const SCREENSHOTS =
  process.env.TOLLGATE_SCREENSHOTS === '1' ? new URL('../../../docs/console/', import.meta.url) : undefined;
