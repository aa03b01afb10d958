"""
A batch function in Python, as AWS's docs write them: an unmodified boto3 client, one task per
invocation. It looks each object up and puts its size and content type in the job's completion
report (the resultString). Run a job with it: FunctionArn "size_report" (or the full ARN).
"""
from urllib.parse import unquote_plus

import boto3
from botocore.exceptions import ClientError

s3 = boto3.client("s3")


def lambda_handler(event, context):
    task = event["tasks"][0]
    # Schema 1.0 names the bucket by ARN, 2.0 by name; the key arrives URL-encoded, as in the manifest.
    bucket = task["s3Bucket"] if "s3Bucket" in task else task["s3BucketArn"].split(":::")[-1]
    key = unquote_plus(task["s3Key"])
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
        code, text = "Succeeded", "size=%d type=%s" % (head["ContentLength"], head.get("ContentType", ""))
    except ClientError as err:
        error = err.response["Error"]["Code"]
        # Throttling is worth another try later; anything else is the answer for this object.
        code = "TemporaryFailure" if error in ("SlowDown", "Throttling", "RequestTimeout") else "PermanentFailure"
        text = "%s: %s" % (error, err.response["Error"].get("Message", ""))
    return {
        "invocationSchemaVersion": event["invocationSchemaVersion"],
        "treatMissingKeysAs": "PermanentFailure",
        "invocationId": event["invocationId"],
        "results": [{"taskId": task["taskId"], "resultCode": code, "resultString": text}],
    }
