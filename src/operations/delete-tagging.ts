/** S3DeleteObjectTagging: removes every tag of each object. */
import { taskRef, type TaskOperation } from './types.js';

export function deleteTagging(): TaskOperation {
  return async (task, s3) => {
    await s3.deleteObjectTagging(taskRef(task));
  };
}
