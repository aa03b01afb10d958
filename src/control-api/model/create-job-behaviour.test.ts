/**
 * How CreateJobRequest bodies are read beyond the rules: any member order, whitespace, scalar
 * formats (timestamps, integers, booleans), empty lists, defaults, absent members, entities,
 * namespaces, unknown elements and prototype-pollution attempts.
 */
import { describe, expect, it } from 'vitest';
import { parseXml, type XmlElement, type XmlValue } from '../../lib/xml.js';
import { parseCreateJobRequest } from './index.js';
import { baseRequest, errorOf, fixtureText, generatorRequest, variantBodies, withElement, without } from './test-support.js';

const specJson = (doc: XmlElement): string => JSON.stringify(parseCreateJobRequest(doc).spec);
const C = 'Operation.S3PutObjectCopy';

/** A copy with the children of every element in a shuffled order (repeated elements keep theirs). */
function shuffled(value: XmlValue, random: () => number): XmlValue {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => shuffled(v, random));
  const keys = Object.keys(value);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [keys[i], keys[j]] = [keys[j] ?? '', keys[i] ?? ''];
  }
  return Object.fromEntries(keys.map((k) => [k, shuffled(value[k] ?? '', random)]));
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe('member order', () => {
  const docs: [string, XmlElement][] = [
    ['§4.1 copy', baseRequest()],
    ['§4.1 generator', generatorRequest()],
    ['newest copy members', parseXml(fixtureText('handwritten-copy-newest-members.xml'))],
    ['lambda', parseXml(variantBodies()[5] ?? '')],
  ];

  it.each(docs)('%s: shuffled members give the same JSON spec', (_name, doc) => {
    const expected = specJson(doc);
    for (let seed = 1; seed <= 20; seed++) {
      expect(specJson(shuffled(doc, seeded(seed)) as XmlElement)).toBe(expected);
    }
  });

  it('a JS-style and a botocore-style body of the same request give byte-identical specs', () => {
    const js =
      '<?xml version="1.0" encoding="UTF-8"?><CreateJobRequest xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><Operation><S3PutObjectCopy><TargetResource>arn:aws:s3:::dst</TargetResource><NewObjectMetadata><UserMetadata><entry><key>a</key><value>1</value></entry><entry><key>b</key><value>2</value></entry></UserMetadata></NewObjectMetadata><NewObjectTagging></NewObjectTagging><ObjectLockRetainUntilDate>2031-01-01T00:00:00.123Z</ObjectLockRetainUntilDate></S3PutObjectCopy></Operation><Report><Enabled>false</Enabled></Report><Priority>3</Priority><RoleArn>arn:aws:iam::123456789012:role/r</RoleArn><ConfirmationRequired>false</ConfirmationRequired><ClientRequestToken>t</ClientRequestToken><Manifest><Spec><Format>S3InventoryReport_CSV_20161130</Format></Spec><Location><ObjectArn>arn:aws:s3:::inv/manifest.json</ObjectArn><ETag>e</ETag></Location></Manifest><Description>d</Description></CreateJobRequest>';
    const boto =
      '<CreateJobRequest xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><ConfirmationRequired>false</ConfirmationRequired><Description>d</Description><ClientRequestToken>t</ClientRequestToken><Priority>3</Priority><RoleArn>arn:aws:iam::123456789012:role/r</RoleArn><Manifest><Location><ETag>e</ETag><ObjectArn>arn:aws:s3:::inv/manifest.json</ObjectArn></Location><Spec><Format>S3InventoryReport_CSV_20161130</Format></Spec></Manifest><Report><Enabled>false</Enabled></Report><Operation><S3PutObjectCopy><ObjectLockRetainUntilDate>2031-01-01T00:00:00.123000Z</ObjectLockRetainUntilDate><NewObjectTagging /><NewObjectMetadata><UserMetadata><entry><key>b</key><value>2</value></entry><entry><key>a</key><value>1</value></entry></UserMetadata></NewObjectMetadata><TargetResource>arn:aws:s3:::dst</TargetResource></S3PutObjectCopy></Operation></CreateJobRequest>';
    expect(specJson(parseXml(boto))).toBe(specJson(parseXml(js)));
  });
});

describe('whitespace', () => {
  it('newlines and indentation between elements are ignored', () => {
    const compact = fixtureText('createjob-request-awscli.xml').trim();
    const pretty = compact.replace(/></g, '>\n    <');
    expect(specJson(parseXml(pretty))).toBe(specJson(parseXml(compact)));
  });

  it('lengths count characters (code points): 256 emoji fit a 256-character Description', () => {
    const doc = withElement(baseRequest(), '', `<Description>${'😀'.repeat(256)}</Description>`);
    expect(parseCreateJobRequest(doc).spec.Description).toHaveLength(512);
  });

  it('leaf text is kept verbatim (no trimming)', () => {
    const doc = withElement(baseRequest(), '', '<Description>  two  spaces  </Description>');
    expect(parseCreateJobRequest(doc).spec.Description).toBe('  two  spaces  ');
  });
});

describe('scalars', () => {
  const at = (value: string): XmlElement => withElement(baseRequest(), C, `<ModifiedSinceConstraint>${value}</ModifiedSinceConstraint>`);
  const accepted: [string, string][] = [
    ['2020-01-02T03:04:05Z', '2020-01-02T03:04:05.000Z'],
    ['2020-01-02T03:04:05.1Z', '2020-01-02T03:04:05.100Z'],
    ['2021-01-01T00:00:00.123Z', '2021-01-01T00:00:00.123Z'],
    ['2020-01-02T03:04:05.123000Z', '2020-01-02T03:04:05.123Z'],
    ['2020-01-02T03:04:05.123999999Z', '2020-01-02T03:04:05.123Z'],
    ['2020-01-02T03:04:05+00:00', '2020-01-02T03:04:05.000Z'],
    ['2020-01-02T03:04:05.5-00:00', '2020-01-02T03:04:05.500Z'],
    ['2020-01-02t03:04:05z', '2020-01-02T03:04:05.000Z'],
    ['2024-02-29T23:59:59Z', '2024-02-29T23:59:59.000Z'],
    ['0099-01-01T00:00:00Z', '0099-01-01T00:00:00.000Z'],
  ];
  it.each(accepted)('timestamp %s → %s', (text, iso) => {
    expect(parseCreateJobRequest(at(text)).spec.Operation.S3PutObjectCopy?.ModifiedSinceConstraint).toBe(iso);
  });

  const rejected = [
    '2023-02-29T00:00:00Z',
    '2020-04-31T00:00:00Z',
    '2020-01-02T24:00:00Z',
    '2020-01-02T03:60:05Z',
    '2020-01-02T03:04:60Z',
    '2020-01-02 03:04:05Z',
    '2020-01-02T03:04:05',
    '2020-01-02T03:04:05+01:00',
    '2020-01-02T03:04:05.Z',
    '2020-01-02T03:04:05.1234567890Z',
    '2020-1-02T03:04:05Z',
    '1577934245',
    'Thu, 02 Jan 2020 03:04:05 GMT',
    '',
    ' 2020-01-02T03:04:05Z',
  ];
  it.each(rejected)('timestamp %j is rejected', (text) => {
    expect(errorOf(() => parseCreateJobRequest(at(text))).message).toContain(`${C}.ModifiedSinceConstraint must be an ISO-8601 timestamp`);
  });

  it('integers: decimal text, leading zeros allowed, bounds inclusive', () => {
    const priority = (text: string): number => parseCreateJobRequest(withElement(baseRequest(), '', `<Priority>${text}</Priority>`)).spec.Priority;
    expect(priority('0')).toBe(0);
    expect(priority('-0')).toBe(0);
    expect(Object.is(priority('-0'), 0)).toBe(true);
    expect(priority('007')).toBe(7);
    expect(priority('2147483647')).toBe(2147483647);
    const size = withElement(generatorRequest(), 'ManifestGenerator.S3JobManifestGenerator.Filter', '<ObjectSizeLessThanBytes>9007199254740991</ObjectSizeLessThanBytes>');
    expect(parseCreateJobRequest(size).spec.ManifestGenerator?.S3JobManifestGenerator?.Filter?.ObjectSizeLessThanBytes).toBe(9007199254740991);
  });

  it('booleans are exactly true or false', () => {
    const confirm = (text: string): (() => unknown) => () =>
      parseCreateJobRequest(withElement(baseRequest(), '', `<ConfirmationRequired>${text}</ConfirmationRequired>`)).spec.ConfirmationRequired;
    expect(confirm('true')()).toBe(true);
    expect(confirm('false')()).toBe(false);
    for (const bad of ['True', 'FALSE', '1', '0', ' true', '']) {
      expect(errorOf(confirm(bad)).message).toBe('ConfirmationRequired must be a boolean (true or false)');
    }
  });
});

describe('defaults, absent and empty members', () => {
  it('ConfirmationRequired absent ⇒ true; given ⇒ as given', () => {
    expect(parseCreateJobRequest(without(baseRequest(), 'ConfirmationRequired')).spec.ConfirmationRequired).toBe(true);
    const off = withElement(baseRequest(), '', '<ConfirmationRequired>false</ConfirmationRequired>');
    expect(parseCreateJobRequest(off).spec.ConfirmationRequired).toBe(false);
  });

  it('NewObjectTagging: absent ⇒ absent (copy the source tags), empty ⇒ [] (no tags)', () => {
    const absent = parseCreateJobRequest(without(baseRequest(), `${C}.NewObjectTagging`)).spec.Operation.S3PutObjectCopy;
    expect(absent && 'NewObjectTagging' in absent).toBe(false);
    for (const empty of ['<NewObjectTagging/>', '<NewObjectTagging></NewObjectTagging>', '<NewObjectTagging>\n  </NewObjectTagging>']) {
      const op = parseCreateJobRequest(withElement(baseRequest(), C, empty)).spec.Operation.S3PutObjectCopy;
      expect(op?.NewObjectTagging).toEqual([]);
    }
  });

  it('TagSet, Tags and UserMetadata may be empty', () => {
    const tagSet = withElement(baseRequest(), '', '<Operation><S3PutObjectTagging><TagSet/></S3PutObjectTagging></Operation><Tags/>');
    const parsed = parseCreateJobRequest(tagSet);
    expect(parsed.spec.Operation).toEqual({ S3PutObjectTagging: { TagSet: [] } });
    expect(parsed.tags).toEqual([]);
    const metadata = withElement(baseRequest(), `${C}.NewObjectMetadata`, '<UserMetadata/>');
    expect(parseCreateJobRequest(metadata).spec.Operation.S3PutObjectCopy?.NewObjectMetadata?.UserMetadata).toEqual({});
  });

  it('Tags absent ⇒ []', () => {
    expect(parseCreateJobRequest(without(baseRequest(), 'Tags')).tags).toEqual([]);
  });

  it('optional members that are absent are absent, never undefined-valued', () => {
    for (const doc of [baseRequest(), generatorRequest(), ...variantBodies().map((b) => parseXml(b))]) {
      const { spec } = parseCreateJobRequest(doc);
      expect(spec).toStrictEqual(JSON.parse(JSON.stringify(spec)));
      expect('Extensions' in spec).toBe(false);
    }
    const minimal = parseCreateJobRequest(parseXml(variantBodies()[3] ?? '')).spec;
    expect(Object.keys(minimal)).toEqual(['Operation', 'Report', 'Priority', 'RoleArn', 'ConfirmationRequired', 'Manifest']);
  });

  it('map entries are sorted by key', () => {
    const doc = withElement(baseRequest(), `${C}.NewObjectMetadata`, '<UserMetadata><entry><key>z</key><value>1</value></entry><entry><key>a</key><value>2</value></entry></UserMetadata>');
    const metadata = parseCreateJobRequest(doc).spec.Operation.S3PutObjectCopy?.NewObjectMetadata?.UserMetadata ?? {};
    expect(Object.keys(metadata)).toEqual(['a', 'z']);
  });
});

describe('XML details', () => {
  it('decodes entities and character references', () => {
    const doc = parseXml(fixtureText('reference-4.1-createjob-copy.xml').replace('<Description>desc</Description>', '<Description>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#x41;&#66;</Description>'));
    expect(parseCreateJobRequest(doc).spec.Description).toBe(`a & b <c> "d" 'e' AB`);
    expect(parseCreateJobRequest(doc).spec.Manifest?.Location.ETag).toBe('"abc"');
  });

  it('ignores the namespace (none, default or prefixed)', () => {
    const text = fixtureText('createjob-request-awscli.xml');
    const none = text.replace(' xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"', '');
    const prefixed = text
      .replace('<CreateJobRequest xmlns=', '<s3:CreateJobRequest xmlns:s3=')
      .replace('</CreateJobRequest>', '</s3:CreateJobRequest>');
    expect(specJson(parseXml(none))).toBe(specJson(parseXml(text)));
    expect(specJson(parseXml(prefixed))).toBe(specJson(parseXml(text)));
  });

  it('ignores unknown elements in structures', () => {
    let doc = withElement(baseRequest(), '', '<FutureMember><X>1</X></FutureMember>');
    doc = withElement(doc, 'Report', '<Unknown>u</Unknown>');
    doc = withElement(doc, C, '<NewCopyOption>yes</NewCopyOption>');
    doc = withElement(doc, 'Operation', '<S3Teleport/>');
    expect(specJson(doc)).toBe(specJson(baseRequest()));
  });
});

describe('prototype pollution', () => {
  const base = (): Record<string, unknown> => baseRequest()['CreateJobRequest'] as Record<string, unknown>;

  it('an own "__proto__" element (as JSON.parse makes) is an ignored unknown element', () => {
    const doc = JSON.parse(JSON.stringify({ CreateJobRequest: base() }).replace('{"Operation"', '{"__proto__":{"Priority":"5","polluted":"yes"},"Operation"')) as XmlElement;
    const { spec } = parseCreateJobRequest(doc);
    expect(spec.Priority).toBe(10);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(spec)).toBe(Object.prototype);
  });

  it('members are never read through the prototype chain', () => {
    const report = Object.create({ Enabled: 'true' }) as XmlElement;
    const doc = { CreateJobRequest: { ...base(), Report: report } } as XmlElement;
    expect(errorOf(() => parseCreateJobRequest(doc)).message).toBe('Report.Enabled is required');
  });

  it('constructor / toString / hasOwnProperty elements are unknown elements', () => {
    const op = { constructor: 'x', toString: 'y', hasOwnProperty: 'z' } as unknown as XmlElement;
    const doc = { CreateJobRequest: { ...base(), Operation: op } } as XmlElement;
    expect(errorOf(() => parseCreateJobRequest(doc)).message).toMatch(/^Operation\.constructor is not supported/);
    const withCopy = { CreateJobRequest: { ...base(), constructor: { a: '1' } } } as unknown as XmlElement;
    expect(specJson(withCopy)).toBe(specJson(baseRequest()));
  });

  it('map keys "__proto__" and "constructor" are stored as ordinary keys', () => {
    const entries = '<entry><key>__proto__</key><value>p</value></entry><entry><key>constructor</key><value>c</value></entry><entry><key>toString</key><value>t</value></entry>';
    const doc = withElement(baseRequest(), `${C}.NewObjectMetadata`, `<UserMetadata>${entries}</UserMetadata>`);
    const metadata = parseCreateJobRequest(doc).spec.Operation.S3PutObjectCopy?.NewObjectMetadata?.UserMetadata ?? {};
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(Object.keys(metadata)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getOwnPropertyDescriptor(metadata, '__proto__')?.value).toBe('p');
    expect(JSON.parse(JSON.stringify(metadata))).toEqual(metadata);
    expect(({} as Record<string, unknown>)['p']).toBeUndefined();
    const lambda = withElement(baseRequest(), '', '<Operation><LambdaInvoke><FunctionArn>f</FunctionArn><InvocationSchemaVersion>2.0</InvocationSchemaVersion><UserArguments><entry><key>__proto__</key><value>{"x":1}</value></entry></UserArguments></LambdaInvoke></Operation>');
    const args = parseCreateJobRequest(lambda).spec.Operation.LambdaInvoke?.UserArguments ?? {};
    expect(Object.hasOwn(args, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(args)).toBe(Object.prototype);
  });

  it('tag keys "__proto__" and "constructor" are ordinary (and unique) keys', () => {
    const doc = withElement(baseRequest(), '', '<Tags><member><Key>__proto__</Key><Value>a</Value></member><member><Key>constructor</Key><Value>b</Value></member></Tags>');
    expect(parseCreateJobRequest(doc).tags.map((t) => t.Key)).toEqual(['__proto__', 'constructor']);
    const dup = withElement(baseRequest(), '', '<Tags><member><Key>__proto__</Key><Value>a</Value></member><member><Key>__proto__</Key><Value>b</Value></member></Tags>');
    expect(errorOf(() => parseCreateJobRequest(dup)).message).toMatch(/^Tags\[1\]\.Key must be unique/);
  });
});
