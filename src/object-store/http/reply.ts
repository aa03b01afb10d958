/** Successful answers (errors are rendered in one place, s3-api.ts). */
import { baseHeaders } from '../../http/respond.js';
import type { S3Request } from './request.js';

export type HeaderBag = Record<string, string | undefined>;

function setHeaders(r: S3Request, headers: HeaderBag): void {
  baseHeaders(r.res, r.requestId);
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) r.res.setHeader(name, value);
}

export function replyXml(r: S3Request, xml: string, headers: HeaderBag = {}, status = 200): void {
  setHeaders(r, headers);
  const body = Buffer.from(xml, 'utf8');
  r.res.statusCode = status;
  r.res.setHeader('Content-Type', 'application/xml');
  r.res.setHeader('Content-Length', String(body.length));
  r.res.end(r.req.method === 'HEAD' ? undefined : body);
}

export function replyEmpty(r: S3Request, status = 200, headers: HeaderBag = {}): void {
  setHeaders(r, headers);
  r.res.statusCode = status;
  if (status !== 204 && status !== 304) r.res.setHeader('Content-Length', '0');
  r.res.end();
}

export const versionHeader = (versionId: string | undefined): HeaderBag => ({ 'x-amz-version-id': versionId });
