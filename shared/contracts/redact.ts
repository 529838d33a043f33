/**
 * Removes secrets from text before it reaches a log, a report, custom status or an orchestration
 * output: SAS signatures, account keys, bearer tokens, function keys, private keys
 * (docs/reference/threats-and-faults.md, "secrets in logs or history").
 *
 * It lives in shared/contracts because both sides of the relay apply it: the app (through
 * shared/config/redact.ts, which re-exports it) and the on-premises agent, which may import only
 * shared/contracts and shared/errors.
 */
const PATTERNS: readonly [RegExp, string][] = [
  [/(sig=)[^&\s"']+/gi, '$1***'],
  [/(AccountKey=)[^;\s"']+/gi, '$1***'],
  [/(SharedAccessKey=)[^;\s"']+/gi, '$1***'],
  [/(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi, '$1***'],
  [/([?&]code=)[^&\s"']+/gi, '$1***'],
  [/("?(?:accessKey|privateKey|password|secret|token)"?\s*[:=]\s*)"[^"]*"/gi, '$1"***"'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, '***PRIVATE KEY***'],
];

/** Returns `text` with every known secret shape replaced by `***`. */
export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
