/**
 * When a backup or restore operation completed, as the service itself reported it (issue 9,
 * "timings: ... completed as the service reported it").
 *
 * What the live contract gives (docs/reference/apim-backup-restore.md, "Long-running
 * operation"; the 2024-05-01 example `ApiManagementRestoreWithAccessKey.json`): APIM answers its
 * operations in `Location` mode, and the final poll answers 200 with the service resource itself
 * (`ApiManagementServiceResource`), which carries NO completion time. There is no
 * `Azure-AsyncOperation` status body with `startTime`/`endTime` for APIM backup/restore. So, live,
 * the completion time is unknown; the orchestration's own `detectedAt` (up to one `Retry-After`
 * later) is the nearest known time.
 *
 * Read instead, when present: an `endTime` in the final body (the ARM async-operation status
 * shape, top level or under `properties`), in case the service or an intermediary answers one.
 * Not read, on purpose:
 * - `systemData.lastModifiedAt`: ARM's record of the resource's last change by a caller, not
 *   documented to move with a restore (the emulator keeps the creation time there, as a resource
 *   no caller changed would): reading it as the completion would report a wrong time;
 * - the HTTP `Date` of the final answer: when the poll was answered, not when the operation ended.
 */

/** Where a restore's completion time came from. */
export type CompletionSource = 'operation' | 'unknown';

/** The completion time the final answer of an operation reports, or undefined (the live case). */
export function reportedCompletion(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const top = (body as { endTime?: unknown }).endTime;
  const props = (body as { properties?: unknown }).properties;
  const nested =
    typeof props === 'object' && props !== null ? (props as { endTime?: unknown }).endTime : undefined;
  for (const value of [top, nested]) {
    if (typeof value !== 'string') continue;
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  return undefined;
}

/** The final answer's text parsed as JSON, or undefined (empty, not JSON). */
export function completionOfText(text: string | null | undefined): string | undefined {
  if (text === undefined || text === null || text === '') return undefined;
  try {
    return reportedCompletion(JSON.parse(text));
  } catch {
    return undefined;
  }
}
