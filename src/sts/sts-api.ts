/**
 * STS `GetCallerIdentity` for this server's own keys: a signed `POST /` (signing name `sts`,
 * form-encoded `Action=GetCallerIdentity&Version=2011-06-15`) answered as AWS's STS answers it.
 * It is how the s3batch CLI, and any tool that asks STS, finds the account of its key — one code
 * path for s3batch and AWS. No other STS action exists here: roles are not assumed (the engine
 * ignores `RoleArn`), so the answer is always the key's own identity.
 */
import type { Logger } from 'pino';
import type { Authenticator } from '../http/auth.js';
import { BodyTimeoutError, BodyTooLargeError, readBody } from '../http/body.js';
import { sendXml } from '../http/respond.js';
import type { SurfaceHandler } from '../http/server.js';
import { sha256Hex } from '../lib/sigv4/index.js';
import { buildXml } from '../lib/xml.js';
import { fromAuthFailure, renderStsError, STS_NS, StsError, toStsError } from './errors.js';

/** A GetCallerIdentity body is ~45 bytes; STS refuses query requests over about 20 KiB. */
const MAX_BODY_BYTES = 20 * 1024;
const VERSION = '2011-06-15';

export interface StsApiOptions {
  readonly auth: Authenticator;
  readonly now: () => number;
  readonly logger: Logger;
}

export function createStsApi(options: StsApiOptions): SurfaceHandler {
  const { auth, now, logger } = options;
  return async function stsApi(req, res, target, requestId) {
    try {
      const body = await readBody(req, MAX_BODY_BYTES).catch((err: unknown) => {
        if (err instanceof BodyTooLargeError) throw new StsError('InvalidParameterValue', `The request body is larger than ${MAX_BODY_BYTES} bytes`);
        if (err instanceof BodyTimeoutError) throw new StsError('RequestTimeout', err.message);
        throw err;
      });
      const verified = auth.authenticate(req, target.rawPath, target.rawQuery, now(), { service: 'sts', bodySha256: sha256Hex(body) });
      if (!verified.ok) throw fromAuthFailure(verified);
      const params = new URLSearchParams(body.toString('utf8'));
      const action = params.get('Action');
      if (action === null || action === '') throw new StsError('MissingAction', 'The request must contain the parameter Action.');
      const version = params.get('Version') ?? VERSION;
      if (action !== 'GetCallerIdentity' || version !== VERSION) {
        throw new StsError('InvalidAction', `Could not find operation ${action} for version ${version}`);
      }
      const accountId = verified.accountId;
      sendXml(
        res,
        200,
        requestId,
        buildXml({
          GetCallerIdentityResponse: {
            '@xmlns': STS_NS,
            GetCallerIdentityResult: {
              // An s3batch key stands for one IAM user of its account, named by the key.
              Arn: `arn:aws:iam::${accountId}:user/${verified.accessKeyId}`,
              UserId: verified.accessKeyId,
              Account: accountId,
            },
            ResponseMetadata: { RequestId: requestId },
          },
        }),
      );
    } catch (caught) {
      const error = toStsError(caught);
      if (error.status >= 500) logger.error({ err: caught, requestId }, 'STS request failed');
      sendXml(res, error.status, requestId, renderStsError(error, requestId));
    }
  };
}
