// The engine bench's LambdaInvoke function: answers Succeeded at once (what the machinery costs).
export const handler = async (event) => ({
  invocationSchemaVersion: event.invocationSchemaVersion,
  invocationId: event.invocationId,
  results: [{ taskId: event.tasks[0].taskId, resultCode: 'Succeeded', resultString: '' }],
});
