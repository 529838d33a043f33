/**
 * Removes secrets from text before it reaches a log, a report, custom status or an orchestration
 * output: SAS signatures, account keys, bearer and basic credentials, function keys, client
 * secrets, passwords, private keys (docs/reference/threats-and-faults.md, "secrets in logs or
 * history"), raw or URL-encoded (a URL inside a query string or a redirect carries `sig%3D`).
 *
 * It is a module of its own at the bottom of the layers (ARCHITECTURE.md "Layers") because
 * everything applies it: errors and telemetry below configuration, the app (through
 * shared/config/redact.ts, which re-exports it) and the on-premises agent, which may import only
 * shared/redact, shared/errors and shared/contracts.
 *
 * Every pattern runs on untrusted text, so each is linear (no nested or overlapping quantifiers):
 * eslint-plugin-regexp checks that, and test/unit/errors/regexCost.test.ts times each one on 64 KB
 * of adversarial input.
 */

/** A value in a URL or query string: up to `&`, `%26` (an encoded `&`), whitespace or a quote. */
const QUERY_VALUE = String.raw`(?:[^%&\s"']|%(?!26))+`;

/** Key names whose value is a secret, as JSON keys, `key: value` or `key=value`. */
const SECRET_KEYS = String.raw`accessKey|accountKey|privateKey|clientSecret|client_secret|password|pwd|secret|token|apiKey|x-functions-key`;

/** One redaction: the pattern and what replaces each match. */
export type Redaction = readonly [pattern: RegExp, replacement: string];

/** Every rule, in order (exported for the cost test of each pattern). */
export const REDACTIONS: readonly Redaction[] = [
  [new RegExp(String.raw`(sig(?:=|%3D))${QUERY_VALUE}`, 'gi'), '$1***'],
  // A function key in a URL (`?code=`), or URL-encoded anywhere (`code%3D`); never `(code=X)` annotations.
  [new RegExp(String.raw`([?&]code=|(?:[?&]|%3F|%26|\b)code%3D)${QUERY_VALUE}`, 'gi'), '$1***'],
  [/(AccountKey=)[^;\s"']+/gi, '$1***'],
  [/(SharedAccessKey=)[^;\s"']+/gi, '$1***'],
  [/(Bearer\s+)[\w+./~-]+=*/gi, '$1***'],
  // HTTP Basic credentials (base64 of `user:password`) after an Authorization header name, then
  // bare: `Basic` is also a word (the APIM tier), so a bare token must be 8+ base64 characters
  // with a digit, `+`, `/` or `=` (no callback decoding it: a callback per match costs too much
  // on adversarial text).
  [/(Authorization"?[^\S\n]*[:=][^\S\n]*"?Basic\s+)[\d+/A-Z]+=*/gi, '$1***'],
  [/(\bBasic\s+)(?=[A-Za-z]*[\d+/=])[\d+/A-Za-z]{8,}=*/g, '$1***'],
  // `"password": "x"`, `password="x"`: the quoted value.
  [new RegExp(String.raw`("?(?:${SECRET_KEYS})"?\s*[:=]\s*)"[^"]*"`, 'gi'), '$1"***"'],
  // `Password=x;` (connection strings), `client_secret=x&` (form bodies). Not `key: x`: an error
  // message naming a field (`token: is required`) must stay readable.
  [new RegExp(String.raw`(\b(?:${SECRET_KEYS})=)[^\s"';&]+`, 'gi'), '$1***'],
  // The function key header as a log line or a curl command prints it.
  [/(x-functions-key:[^\S\n]*)[^\s"';&]+/gi, '$1***'],
  // A key without its END line (a truncated log line) is still a secret: up to the end of the text.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, '***PRIVATE KEY***'],
];

/** Returns `text` with every known secret shape replaced by `***`. */
export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of REDACTIONS) out = out.replace(pattern, replacement);
  return out;
}
