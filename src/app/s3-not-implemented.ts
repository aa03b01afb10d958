/**
 * Until the embedded object store lands, S3 requests get S3's own answer for what a server does
 * not implement (501 NotImplemented, in S3's `<Error>` form).
 */
import { buildXml } from '../lib/xml.js';
import { hostIdFor } from '../http/request-id.js';
import { sendXml } from '../http/respond.js';
import type { SurfaceHandler } from '../http/server.js';

export const notImplementedS3: SurfaceHandler = async (req, res, target, requestId) => {
  sendXml(
    res,
    501,
    requestId,
    buildXml({
      Error: {
        Code: 'NotImplemented',
        Message: `The S3 API (${req.method} ${target.rawPath}) is not available on this server yet`,
        RequestId: requestId,
        HostId: hostIdFor(requestId),
      },
    }),
  );
};
