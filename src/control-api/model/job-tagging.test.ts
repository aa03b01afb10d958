/** parsePutJobTaggingRequest: the job's new tag set (reference §2, §3.2 S3Tag, §5.11 job tags). */
import { describe, expect, it } from 'vitest';
import { parseXml } from '../../lib/xml.js';
import { parsePutJobTaggingRequest } from './index.js';
import { errorOf, fixtureText } from './test-support.js';

const NS = 'http://awss3control.amazonaws.com/doc/2018-08-20/';
const body = (tags: string): string => `<?xml version="1.0" encoding="UTF-8"?><PutJobTaggingRequest xmlns="${NS}">${tags}</PutJobTaggingRequest>`;
const tagsOf = (members: string): string => `<Tags>${members}</Tags>`;
const member = (key: string, value: string): string => `<member><Key>${key}</Key><Value>${value}</Value></member>`;
const many = (n: number): string => Array.from({ length: n }, (_, i) => member(`k${i}`, 'v')).join('');
const parse = (xml: string): ReturnType<typeof parsePutJobTaggingRequest> => parsePutJobTaggingRequest(parseXml(xml));
const TAG_PATTERN = String.raw`must match pattern ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`;

describe('parsePutJobTaggingRequest', () => {
  it('reads the captured JS SDK body', () => {
    const captured = /BODY\(\d+\): (<\?xml.*<PutJobTaggingRequest.*)$/m.exec(fixtureText('createjob-variants-js-sdk.txt'))?.[1] ?? '';
    expect(parse(captured)).toEqual([{ Key: 'a', Value: 'b' }]);
  });

  it('<Tags/> and <Tags></Tags> are the empty tag set', () => {
    expect(parse(body('<Tags/>'))).toEqual([]);
    expect(parse(body('<Tags></Tags>'))).toEqual([]);
  });

  it('reads several tags in order, values may be empty, entities decoded', () => {
    expect(parse(body(tagsOf(member('b', '') + member('a', 'x &#x2B; y') + member('ключ', 'значение 1'))))).toEqual([
      { Key: 'b', Value: '' },
      { Key: 'a', Value: 'x + y' },
      { Key: 'ключ', Value: 'значение 1' },
    ]);
  });

  it('accepts 50 tags; 51 is a TooManyTagsException', () => {
    expect(parse(body(tagsOf(many(50))))).toHaveLength(50);
    const err = errorOf(() => parse(body(tagsOf(many(51)))));
    expect(err.code).toBe('TooManyTagsException');
    expect(err.message).toMatch(/^Tags must have at most 50 items/);
  });

  const cases: [string, string, string, string][] = [
    ['root element', '<CreateJobRequest><Tags/></CreateJobRequest>', 'The request body', 'must be a PutJobTaggingRequest'],
    ['Tags is required', body(''), 'Tags', 'is required'],
    ['Tags items are <member>', body('<Tags><Tag><Key>a</Key><Value>b</Value></Tag></Tags>'), 'Tags.Tag', 'is not allowed'],
    ['Key is required', body(tagsOf('<member><Value>v</Value></member>')), 'Tags[0].Key', 'is required'],
    ['Value is required', body(tagsOf(member('a', 'b') + '<member><Key>k</Key></member>')), 'Tags[1].Value', 'is required'],
    ['Key min 1', body(tagsOf(member('', 'v'))), 'Tags[0].Key', 'must be at least 1 character long'],
    ['Key max 128', body(tagsOf(member('k'.repeat(129), 'v'))), 'Tags[0].Key', 'must be at most 128 characters long'],
    ['Key pattern', body(tagsOf(member('a,b', 'v'))), 'Tags[0].Key', TAG_PATTERN],
    ['Value max 256', body(tagsOf(many(3) + member('k', 'v'.repeat(257)))), 'Tags[3].Value', 'must be at most 256 characters long'],
    ['Value pattern', body(tagsOf(member('k', 'a;b'))), 'Tags[0].Value', TAG_PATTERN],
    ['keys are unique (case-sensitive)', body(tagsOf(member('a', '1') + member('A', '2') + member('a', '3'))), 'Tags[2].Key', 'must be unique'],
  ];

  it.each(cases)('%s', (_rule, xml, path, says) => {
    const err = errorOf(() => parse(xml));
    expect(err.code).toBe('BadRequestException');
    expect(err.message.startsWith(`${path} `)).toBe(true);
    expect(err.message).toContain(says);
  });
});
