import { validateHeaderValue } from 'node:http';
import { describe, expect, it } from 'vitest';
import { decodeHeaderValue, encodeHeaderValue } from './rfc2047.js';

describe('RFC 2047 header values', () => {
  it('leaves printable US-ASCII alone and encodes anything else as one UTF-8 B word', () => {
    expect(encodeHeaderValue('plain value = ? ok')).toBe('plain value = ? ok');
    expect(encodeHeaderValue('looks =?like a word')).toMatch(/^=\?UTF-8\?B\?/);
    expect(encodeHeaderValue('café ☕ 東京')).toBe(`=?UTF-8?B?${Buffer.from('café ☕ 東京').toString('base64')}?=`);
  });

  it('sends a tab inside a value as it is (US-ASCII a header value holds), and encodes what a header cannot carry or would strip', () => {
    for (const s of ['tab\there', 'a\t\tb', 'x\t y', '', 'x']) expect(encodeHeaderValue(s)).toBe(s);
    // CR, LF and the other controls cannot be in a header at all; a leading or trailing space or
    // tab is stripped by every HTTP parser (RFC 9110 §5.5): encoded, they come back.
    for (const s of ['a\r\nb', 'a\rb', 'a\nb', 'nul\u0000', 'del\u007f', ' lead', 'trail ', '\tlead', 'trail\t', ' ', '\t']) {
      expect(encodeHeaderValue(s), JSON.stringify(s)).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]*\?=$/);
      expect(decodeHeaderValue(encodeHeaderValue(s))).toBe(s);
    }
  });

  it('gives node a value it sends, and the receiver reads back exactly what was encoded, for every character class', () => {
    const samples = ['a\tb', 'a\r\nb', ' x ', '\t', 'é', '😀', '\u0085', '\u2028', 'x=?y', '=?UTF-8?B?w6k=?='];
    for (let c = 0; c < 0x100; c++) samples.push(`a${String.fromCharCode(c)}b`, String.fromCharCode(c));
    for (const s of samples) {
      const wire = encodeHeaderValue(s);
      expect(() => validateHeaderValue('x-amz-meta-k', wire), JSON.stringify(s)).not.toThrow();
      // What a parser keeps of a field value: OWS (SP, HTAB) at either end goes (RFC 9110 §5.5).
      expect(decodeHeaderValue(wire.replace(/^[ \t]+|[ \t]+$/g, '')), JSON.stringify(s)).toBe(s);
    }
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
