/** renderJobSpec / renderTags give the restXml form of reference §4.2 that the SDKs parse. */
import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../../domain/job-spec.js';
import { buildXml, parseXml, type XmlValue } from '../../lib/xml.js';
import { parseCreateJobRequest, renderJobSpec, renderTags } from './index.js';
import { baseRequest, fixtureText, generatorRequest, variantBodies, withElement } from './test-support.js';

const specOf = (doc = baseRequest()): JobSpec => parseCreateJobRequest(doc).spec;
const xmlOf = (spec: JobSpec): string => buildXml({ Job: renderJobSpec(spec) });

describe('renderJobSpec', () => {
  it('renders the spec members present, in JobDescriptor order', () => {
    expect(Object.keys(renderJobSpec(specOf()))).toEqual([
      'ConfirmationRequired',
      'Description',
      'Manifest',
      'Operation',
      'Priority',
      'Report',
      'RoleArn',
    ]);
    expect(Object.keys(renderJobSpec(specOf(generatorRequest())))).toEqual([
      'ConfirmationRequired',
      'Description',
      'Operation',
      'Priority',
      'Report',
      'RoleArn',
      'ManifestGenerator',
    ]);
  });

  it('uses the wire forms: <member> lists, <entry> maps, true/false, ISO timestamps with ms', () => {
    const xml = xmlOf(specOf());
    expect(xml).toContain('<ConfirmationRequired>true</ConfirmationRequired>');
    expect(xml).toContain('<Priority>10</Priority>');
    expect(xml).toContain('<Fields><member>Bucket</member><member>Key</member></Fields>');
    expect(xml).toContain('<UserMetadata><entry><key>a</key><value>1</value></entry><entry><key>b</key><value>2</value></entry></UserMetadata>');
    expect(xml).toContain('<AccessControlGrants><member><Grantee><TypeIdentifier>id</TypeIdentifier>');
    expect(xml).toContain('<NewObjectTagging><member><Key>k</Key><Value>v</Value></member></NewObjectTagging>');
    expect(xml).toContain('<ModifiedSinceConstraint>2020-01-02T03:04:05.000Z</ModifiedSinceConstraint>');
    expect(xml).toContain('<BucketKeyEnabled>true</BucketKeyEnabled>');
    expect(xml).toContain('<Report><Bucket>arn:aws:s3:::rep</Bucket><Format>Report_CSV_20180820</Format><Enabled>true</Enabled>');
    expect(parseXml(xml)['Job']).toMatchObject({ Manifest: { Location: { ETag: '"abc"' } } });
  });

  it('uses the XML names SSE-KMS / SSE-S3 and <ObjectEncryption> items', () => {
    const xml = xmlOf(specOf(generatorRequest()));
    expect(xml).toContain('<ManifestEncryption><SSE-KMS><KeyId>arn:aws:kms:us-east-1:111122223333:key/x</KeyId></SSE-KMS></ManifestEncryption>');
    expect(xml).toContain('<MatchAnyObjectEncryption><ObjectEncryption><SSE-KMS><KmsKeyArn>');
    expect(xml).toContain('<ObjectSizeGreaterThanBytes>1</ObjectSizeGreaterThanBytes>');
    const sses3 = xmlOf(parseCreateJobRequest(parseXml(fixtureText('handwritten-generator-sse-s3.xml'))).spec);
    expect(sses3).toContain('<ManifestEncryption><SSE-S3></SSE-S3></ManifestEncryption>');
    expect(sses3).toContain('<ObjectEncryption><SSE-S3></SSE-S3></ObjectEncryption>');
  });

  it('renders empty lists, maps and operations as empty elements', () => {
    const empty = withElement(baseRequest(), 'Operation.S3PutObjectCopy', '<NewObjectTagging/>');
    const withMeta = withElement(empty, 'Operation.S3PutObjectCopy.NewObjectMetadata', '<UserMetadata/>');
    const xml = xmlOf(specOf(withMeta));
    expect(xml).toContain('<NewObjectTagging></NewObjectTagging>');
    expect(xml).toContain('<UserMetadata></UserMetadata>');
    const deleteTagging = parseCreateJobRequest(parseXml(variantBodies()[3] ?? '')).spec;
    expect(xmlOf(deleteTagging)).toContain('<Operation><S3DeleteObjectTagging></S3DeleteObjectTagging></Operation>');
  });

  it('escapes text', () => {
    const doc = withElement(baseRequest(), '', '<Description>a &amp; &lt;b&gt;</Description>');
    expect(xmlOf(specOf(doc))).toContain('<Description>a &amp; &lt;b&gt;</Description>');
  });

  it('never renders Extensions, nor absent members', () => {
    const spec: JobSpec = { ...specOf(), Extensions: { s3batch: { rate: 5 } } };
    delete spec.Description;
    const out = renderJobSpec(spec);
    expect('Extensions' in out).toBe(false);
    expect('Description' in out).toBe(false);
    expect(xmlOf(spec)).not.toContain('s3batch');
  });

  it('renders what the §4.2 DescribeJob example carries for its spec', () => {
    const job = parseXml(fixtureText('describejob-response.xml'))['DescribeJobResult'] as Record<string, XmlValue>;
    const described = job['Job'] as Record<string, XmlValue>;
    // The Job element read as a request body: server-only members are unknown elements, ignored.
    const spec = parseCreateJobRequest({ CreateJobRequest: { ...described, ClientRequestToken: 't' } }).spec;
    const rendered = parseXml(xmlOf(spec))['Job'] as Record<string, XmlValue>;
    for (const name of ['ConfirmationRequired', 'Description', 'Manifest', 'Operation', 'Priority', 'Report', 'RoleArn']) {
      expect(rendered[name]).toEqual(described[name]);
    }
    expect(Object.keys(rendered)).toHaveLength(7);
  });

  it('renders a spec that went through JSON storage the same way', () => {
    const spec = specOf(generatorRequest());
    expect(xmlOf(JSON.parse(JSON.stringify(spec)) as JobSpec)).toBe(xmlOf(spec));
  });
});

describe('renderTags', () => {
  it('no tags ⇒ an empty element', () => {
    expect(renderTags([])).toBe('');
    expect(buildXml({ GetJobTaggingResult: { Tags: renderTags([]) } })).toContain('<Tags></Tags>');
  });

  it('tags ⇒ <member><Key/><Value/></member> items', () => {
    expect(renderTags([{ Key: 'a', Value: '' }])).toEqual({ member: [{ Key: 'a', Value: '' }] });
    const xml = buildXml({ GetJobTaggingResult: { Tags: renderTags([{ Key: 'a', Value: 'b' }, { Key: 'c', Value: '' }]) } });
    expect(xml).toContain('<Tags><member><Key>a</Key><Value>b</Value></member><member><Key>c</Key><Value></Value></member></Tags>');
  });
});
