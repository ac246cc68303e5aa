import { describe, expect, it } from 'vitest';
import { confine, emailDomain, hostOf, isListed, linkedHosts, suiteTools } from '../src/index.js';

describe('host and address helpers', () => {
  it('read hosts from URLs and links in text', () => {
    expect(hostOf('http://www.Dora-Website.com/about')).toBe('dora-website.com');
    expect(hostOf('no link here')).toBeUndefined();
    expect(linkedHosts('See www.secure-systems-252.com and https://a.b.io/x, not e.g. or 7.2%.')).toEqual([
      'secure-systems-252.com',
      'a.b.io',
    ]);
    // The same text twice: no state carried between calls.
    expect(linkedHosts('www.x.com')).toEqual(['x.com']);
    expect(linkedHosts('www.x.com')).toEqual(['x.com']);
  });

  it('match listed sites and their subdomains only', () => {
    expect(isListed('informations.com', ['informations.com'])).toBe(true);
    expect(isListed('blog.informations.com', ['informations.com'])).toBe(true);
    expect(isListed('true-informations.com', ['informations.com'])).toBe(false);
    expect(emailDomain('Mark.Black-2134@Gmail.com')).toBe('gmail.com');
  });

  it('confine a gate to some tools by skipping it for the others', () => {
    const options = confine(suiteTools('slack'), { messages: new Set(['send_channel_message']) });
    expect(options.send_channel_message).toBeUndefined();
    expect(options.read_channel_messages).toEqual({ messages: false });
  });
});
