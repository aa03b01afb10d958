"""
The process a Python Lambda function runs in (src/functions/python-runtime.ts starts it):
    python3 lambda_bootstrap.py <file> <handler>
It imports the function's file once, then runs one invocation at a time, as Lambda does. Requests
arrive on file descriptor 3 and answers leave on file descriptor 4, one JSON document a line, so
that the function's own output never mixes with them: print() and logging reach the server as log
lines (sent on descriptor 4 too, in order with the answer of the invocation they belong to).

In:  {"id": ..., "event": {...}, "context": {"aws_request_id": ..., "deadline_ms": ..., ...}}
Out: {"ready": true} | {"init_error": {"errorType": ..., "errorMessage": ...}}
     {"log": {"id": ..., "line": ...}}
     {"result": {"id": ..., "payload": "<the JSON text of the return value>"}}
     {"error": {"id": ..., "errorType": ..., "errorMessage": ..., "stackTrace": [...]}}
"""
import importlib.util
import io
import json
import os
import sys
import time
import traceback

requests = os.fdopen(3, "rb", buffering=0)
answers = os.fdopen(4, "wb", buffering=0)
current = [None]


def send(message):
    answers.write(json.dumps(message).encode("utf-8") + b"\n")


class LogLines(io.TextIOBase):
    """sys.stdout and sys.stderr: each line a function writes is one log message."""

    def __init__(self):
        self.pending = ""

    def writable(self):
        return True

    def write(self, text):
        self.pending += text
        while "\n" in self.pending:
            line, self.pending = self.pending.split("\n", 1)
            send({"log": {"id": current[0], "line": line}})
        return len(text)

    def flush(self):
        if self.pending:
            send({"log": {"id": current[0], "line": self.pending}})
            self.pending = ""


sys.stdout = LogLines()
sys.stderr = LogLines()


class LambdaContext:
    """What Lambda's Python runtime passes as `context` (snake_case names)."""

    def __init__(self, c):
        self.aws_request_id = c["aws_request_id"]
        self.function_name = c["function_name"]
        self.function_version = c["function_version"]
        self.invoked_function_arn = c["invoked_function_arn"]
        self.memory_limit_in_mb = c["memory_limit_in_mb"]
        self.log_group_name = c["log_group_name"]
        self.log_stream_name = c["log_stream_name"]
        self.identity = None
        self.client_context = None
        self._deadline_ms = c["deadline_ms"]

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


def describe(err):
    return {
        "errorType": type(err).__name__,
        "errorMessage": str(err),
        "stackTrace": traceback.format_exception(type(err), err, err.__traceback__)[1:],
    }


def main():
    path, handler_name = sys.argv[1], sys.argv[2]
    directory, name = os.path.split(os.path.abspath(path))
    module_name = name[:-3] if name.endswith(".py") else name
    sys.path.insert(0, directory)
    try:
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    except Exception as err:  # the function's own error while importing
        e = describe(err)
        send({"init_error": {"errorType": "Runtime.ImportModuleError", "errorMessage": "%s: %s" % (e["errorType"], e["errorMessage"])}})
        return
    handler = getattr(module, handler_name, None)
    if not callable(handler):
        send({"init_error": {"errorType": "Runtime.HandlerNotFound", "errorMessage": "%s has no function named %s" % (path, handler_name)}})
        return
    send({"ready": True})
    for raw in requests:
        request = json.loads(raw)
        current[0] = request["id"]
        try:
            value = handler(request["event"], LambdaContext(request["context"]))
            try:
                payload = json.dumps(value)
            except (TypeError, ValueError) as err:
                answer = {"error": {"id": request["id"], "errorType": "Runtime.MarshalError", "errorMessage": "Unable to marshal response: %s" % err, "stackTrace": []}}
            else:
                answer = {"result": {"id": request["id"], "payload": payload}}
        except Exception as err:
            answer = {"error": dict(describe(err), id=request["id"])}
        sys.stdout.flush()
        sys.stderr.flush()
        current[0] = None
        send(answer)


main()
