# The engine bench's LambdaInvoke function in Python: answers Succeeded at once.
def lambda_handler(event, context):
    return {"invocationSchemaVersion": event["invocationSchemaVersion"], "invocationId": event["invocationId"],
            "results": [{"taskId": event["tasks"][0]["taskId"], "resultCode": "Succeeded", "resultString": ""}]}
