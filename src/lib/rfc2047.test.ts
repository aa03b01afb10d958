import { describe, expect, it } from 'vitest';
import { decodeHeaderValue, encodeHeaderValue } from './rfc2047.js';

describe('RFC 2047 header values', () => {
  it('leaves printable US-ASCII alone and encodes anything else as one UTF-8 B word', () => {
    expect(encodeHeaderValue('plain value = ? ok')).toBe('plain value = ? ok');
    expect(encodeHeaderValue('looks =?like a word')).toMatch(/^=\?UTF-8\?B\?/);
    expect(encodeHeaderValue('café ☕ 東京')).toBe(`=?UTF-8?B?${Buffer.from('café ☕ 東京').toString('base64')}?=`);
    expect(encodeHeaderValue('tab\there')).toMatch(/^=\?UTF-8\?B\?/);
  });

  it('round-trips any string', () => {
    for (const s of ['', 'a', 'é', '😀 emoji', 'line\nbreak', '=?UTF-8?B?not-really?=', 'ünïcödé '.repeat(50)]) {
      expect(decodeHeaderValue(encodeHeaderValue(s))).toBe(s);
    }
  });

  it('decodes B and Q words in UTF-8 and ISO-8859-1, joining adjacent words, keeping other text', () => {
    expect(decodeHeaderValue('=?utf-8?q?caf=C3=A9_au_lait?=')).toBe('café au lait');
    expect(decodeHeaderValue('=?ISO-8859-1?Q?na=EFve?=')).toBe('naïve');
    expect(decodeHeaderValue('=?UTF-8?B?w6k=?= =?UTF-8?B?w6k=?=')).toBe('éé');
    expect(decodeHeaderValue('x =?UTF-8?B?w6k=?= y')).toBe('x é y');
    expect(decodeHeaderValue('=?KOI8-R?B?abc?=')).toBe('=?KOI8-R?B?abc?=');
    expect(decodeHeaderValue('=?UTF-8?X?abc?=')).toBe('=?UTF-8?X?abc?=');
  });
});
