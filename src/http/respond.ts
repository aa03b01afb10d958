/** Writing responses with the headers every AWS client expects. */
import type { ServerResponse } from 'node:http';
import { hostIdFor } from './request-id.js';

export function baseHeaders(res: ServerResponse, requestId: string): void {
  res.setHeader('x-amz-request-id', requestId);
  res.setHeader('x-amz-id-2', hostIdFor(requestId));
  res.setHeader('Server', 's3batch');
}

export function sendXml(res: ServerResponse, status: number, requestId: string, xml: string | undefined): void {
  baseHeaders(res, requestId);
  res.statusCode = status;
  if (xml === undefined) {
    res.setHeader('Content-Length', '0');
    res.end();
    return;
  }
  const body = Buffer.from(xml, 'utf8');
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', String(body.length));
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', String(body.length));
  res.end(body);
}
