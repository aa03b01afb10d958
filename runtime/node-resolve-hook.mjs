/**
 * ESM resolve hook of the Node.js function worker (runtime/node-worker.cjs registers it): a bare
 * specifier the function's own node_modules cannot satisfy is resolved from s3batch's, so that
 * `import { S3Client } from '@aws-sdk/client-s3'` works as on Lambda, whose runtime ships the SDK.
 */
let fallbackParentURL;

export function initialize(data) {
  fallbackParentURL = data.fallbackParentURL;
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    const bare = !specifier.startsWith('.') && !specifier.startsWith('/') && !/^[a-zA-Z][a-zA-Z+.-]*:/.test(specifier);
    if (err && err.code === 'ERR_MODULE_NOT_FOUND' && bare && fallbackParentURL) {
      return nextResolve(specifier, { ...context, parentURL: fallbackParentURL });
    }
    throw err;
  }
}
