/** S3PutObjectTagging: replaces each object's whole tag set (an empty TagSet removes every tag). */
import type { S3SetObjectTaggingOperation } from '../domain/job-spec.js';
import { taskRef, type TaskOperation } from './types.js';

export function putTagging(op: S3SetObjectTaggingOperation): TaskOperation {
  const tags = (op.TagSet ?? []).map((t) => ({ key: t.Key, value: t.Value }));
  return async (task, s3) => {
    await s3.putObjectTagging(taskRef(task), tags);
  };
}
