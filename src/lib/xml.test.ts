import { describe, expect, it } from 'vitest';
import { buildXml, parseXml } from './xml.js';

describe('XML values with line ends', () => {
  it('reads a raw CR or CR LF as LF (XML 1.0 end-of-line handling) and a character reference as the CR it names', () => {
    expect(parseXml('<a><b>x\r\ny\rz</b><c>x&#13;&#10;y&#xD;z&#xd;</c></a>')).toEqual({ a: { b: 'x\ny\nz', c: 'x\r\ny\rz\r' } });
  });

  it('writes a CR as &#13;, so that a value built and parsed again is the same string (tabs and LFs as they are)', () => {
    const values = ['a\r\nb', 'a\rb', '\r', 'a\nb', 'a\tb', '\r\n\r\n', ' \t\r\n '];
    for (const v of values) {
      const xml = buildXml({ Root: { V: v, '@attr': v } });
      expect(xml.slice(xml.indexOf('\n') + 1)).not.toContain('\r');
      expect(parseXml(xml), JSON.stringify(v)).toEqual({ Root: { V: v } });
    }
  });
});
