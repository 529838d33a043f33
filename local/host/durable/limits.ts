/** The extension's limits on instance ids and custom status, as pure checks. */

/** The extension's limit on the JSON of a custom status (see `customStatusTooLarge`). */
const MAX_CUSTOM_STATUS_PAYLOAD_KB = 16;
/** DurableClient.MaxInstanceIdLength in the extension. */
const MAX_INSTANCE_ID_LENGTH = 256;

/**
 * Why the extension refuses an explicit instance id, if it does (DurableClient.StartNewAsync, in
 * this order): a leading `@`, a `/ \ ? #` or control character (`char.IsControl`: U+0000-U+001F,
 * U+007F-U+009F), more than 256 characters. The first two throw `new ArgumentException(
 * nameof(instanceId), "...")`, arguments swapped, so on .NET the exception's Message is
 * `instanceId (Parameter '...')`; the third puts the text in the message.
 */
export function instanceIdProblem(instanceId: string): string | undefined {
  if (instanceId.startsWith('@'))
    return "instanceId (Parameter 'Orchestration instance ids must not start with @.')";
  if ([...instanceId].some(isInvalidInstanceIdCharacter))
    return "instanceId (Parameter 'Orchestration instance ids must not contain /, \\, #, ?, or control characters.')";
  if (instanceId.length > MAX_INSTANCE_ID_LENGTH)
    return `Instance ID lengths must not exceed ${MAX_INSTANCE_ID_LENGTH} characters.`;
  return undefined;
}

/** DurableClient.IsInvalidCharacter: `/ \\ ? #` or `char.IsControl`. */
function isInvalidInstanceIdCharacter(c: string): boolean {
  const code = c.charCodeAt(0);
  return '/\\?#'.includes(c) || code <= 0x1f || (code >= 0x7f && code <= 0x9f);
}

/**
 * The extension's custom status limit (DurableOrchestrationContext.SetCustomStatus →
 * MessagePayloadDataConverter.Serialize(value, 16)): the JSON's UTF-16 byte count, divided by
 * 1024 and truncated, must not exceed 16, else ArgumentException "The UTF-16 size of the
 * JSON-serialized payload must not exceed 16 KB. The current payload size is {n} KB." So up to
 * 17407 bytes (8703 UTF-16 code units of JSON) pass. JSON.stringify stands in for Newtonsoft's
 * `JToken.ToString(Formatting.None)` (same text for the JSON the SDK sends, bar escaping of lone
 * surrogates).
 */
export function customStatusTooLarge(customStatus: unknown): string | undefined {
  const json = JSON.stringify(customStatus) ?? '';
  const sizeKb = Math.floor((json.length * 2) / 1024);
  if (sizeKb <= MAX_CUSTOM_STATUS_PAYLOAD_KB) return undefined;
  const n = (v: number) => v.toLocaleString('en-US');
  return `The UTF-16 size of the JSON-serialized payload must not exceed ${n(MAX_CUSTOM_STATUS_PAYLOAD_KB)} KB. The current payload size is ${n(sizeKb)} KB.`;
}
