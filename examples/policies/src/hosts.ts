/** Top-level domains that make a word like `example.com` read as a link in free text. */
const TLDS = 'com|org|net|io|co|info|biz|app|dev|ai|me|ch|de|uk|us|eu|fr|it|nl';
const LINK = `\\b(?:https?://)?((?:[a-z0-9-]+\\.)+(?:${TLDS}))\\b`;
// A fresh RegExp per use: a shared global one carries `lastIndex` from one call into the next.
const FIRST_LINK = new RegExp(LINK, 'i');

/** A URL's or link's host, lower-cased and without `www.`; `undefined` when there is none. */
export function hostOf(url: string): string | undefined {
  const m = FIRST_LINK.exec(url.trim());
  return m ? m[1]!.toLowerCase().replace(/^www\./, '') : undefined;
}

/** Every host linked from free text (`www.x.com`, `https://x.io/a`, `x.com`). */
export function linkedHosts(text: string): string[] {
  return [...text.matchAll(new RegExp(LINK, 'gi'))].map((m) => m[1]!.toLowerCase().replace(/^www\./, ''));
}

/** True when `host` is one of `sites` or a subdomain of one. */
export function isListed(host: string, sites: readonly string[]): boolean {
  return sites.some((site) => host === site || host.endsWith(`.${site}`));
}

/** The domain of an e-mail address, lower-cased. */
export function emailDomain(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}
