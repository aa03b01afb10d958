import { validateHeaderName } from 'node:http';
import { describe, expect, it } from 'vitest';
import { MAX_USER_METADATA_BYTES, lowerCaseNames, metadataNameProblem, userMetadataProblem, userMetadataSize } from './user-metadata.js';

const canBeSent = (name: string): boolean => {
  try {
    validateHeaderName(`x-amz-meta-${name}`);
    return true;
  } catch {
    return false;
  }
};

describe('user metadata names', () => {
  it('accepts exactly the names node can send as x-amz-meta-<name>, for every character up to U+02FF and beyond', () => {
    const chars = Array.from({ length: 0x300 }, (_, c) => String.fromCharCode(c));
    chars.push('ключ', '東京', '😀', '\u2028', '\uFEFF', '\uD800');
    for (const c of chars) {
      for (const name of [c, `a${c}b`, `${c}z`]) {
        expect(metadataNameProblem(name) === undefined, JSON.stringify(name)).toBe(canBeSent(name));
      }
    }
  });

  it('allows every token character and upper case; refuses the issue\'s names and their neighbours, naming the character', () => {
    expect(metadataNameProblem("!#$%&'*+-.^_`|~09AZaz")).toBeUndefined();
    expect(metadataNameProblem('Owner-Name')).toBeUndefined();
    expect(metadataNameProblem('__proto__')).toBeUndefined();
    expect(metadataNameProblem('owner name')).toMatch(/^holds " " \(U\+0020\), which an HTTP header name/);
    expect(metadataNameProblem('ключ')).toMatch(/^holds "к" \(U\+043A\)/);
    expect(metadataNameProblem('a:b')).toMatch(/^holds ":" \(U\+003A\)/);
    expect(metadataNameProblem('a\tb')).toMatch(/^holds U\+0009,/);
    expect(metadataNameProblem('a\r\nb')).toMatch(/^holds U\+000D,/);
    for (const bad of ['a(b', 'a)b', 'a/b', 'a@b', 'a=b', 'a"b', 'a,b', 'a;b', 'a<b', 'a>b', 'a?b', 'a[b', 'a]b', 'a\\b', 'a{b', 'a}b', 'a\u007fb', 'é']) {
      expect(metadataNameProblem(bad), bad).toMatch(/^holds /);
    }
  });
});

describe('user metadata as a whole', () => {
  it('refuses two names that are one header (they differ only in case), naming both', () => {
    expect(userMetadataProblem({ Owner: '1', owner: '2' })).toMatchObject({ kind: 'duplicate', name: 'owner', other: 'Owner' });
    expect(userMetadataProblem({ Owner: '1', owner: '2' })?.message).toBe(
      'The metadata names "Owner" and "owner" are the same header (x-amz-meta-owner): S3 stores metadata names in lower case',
    );
    expect(userMetadataProblem({ Owner: '1', other: '2' })).toBeUndefined();
  });

  it('counts the UTF-8 bytes of every name and value against 2 KB: 2048 passes, 2049 does not', () => {
    expect(MAX_USER_METADATA_BYTES).toBe(2048);
    const exact = { k: 'v'.repeat(2047) };
    expect(userMetadataSize(exact)).toBe(2048);
    expect(userMetadataProblem(exact)).toBeUndefined();
    expect(userMetadataProblem({ k: 'v'.repeat(2048) })).toMatchObject({ kind: 'size', size: 2049 });
    // é is two bytes, 😀 four: 1 + 2 * 1000 + 4 * 12 = 2049
    expect(userMetadataProblem({ k: 'é'.repeat(1000) + '😀'.repeat(12) })).toMatchObject({ kind: 'size', size: 2049 });
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, 'vvvv']));
    expect(userMetadataProblem(many)?.kind).toBe('size');
    expect(userMetadataProblem(many, { size: false })).toBeUndefined();
  });

  it('a bad name is reported before the size, with the name quoted', () => {
    expect(userMetadataProblem({ 'owner name': 'x'.repeat(5000) })).toMatchObject({ kind: 'name', name: 'owner name' });
    expect(userMetadataProblem({ 'owner name': 'x' })?.message).toMatch(/^The metadata name "owner name" holds " " \(U\+0020\)/);
  });

  it('lower-cases names as S3 stores them, keeping __proto__ an ordinary key', () => {
    const lowered = lowerCaseNames(JSON.parse('{"Owner-Name":"a","__proto__":"p","x":"1"}') as Record<string, string>);
    expect(Object.keys(lowered)).toEqual(['owner-name', '__proto__', 'x']);
    expect(Object.getPrototypeOf(lowered)).toBe(Object.prototype);
    expect(lowered['__proto__']).toBe('p');
  });
});
