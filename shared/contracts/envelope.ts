import { createHash, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { formatIssues, NonRetryableError } from '../errors';
import {
  commandOutputSchemas,
  commandParamSchemas,
  isCommandType,
  type CommandMode,
  type CommandOutput,
  type CommandParams,
  type CommandParamsInput,
  type CommandType,
} from './commands';
import type { TrustedKeys } from './keys';
import { agentIdSchema, commandIdSchema, instanceIdSchema, keyIdSchema, siteSchema } from './validators';

/**
 * The relay's wire format (version 1).
 *
 * A command or result travels as a *signed message*:
 * `{ "v": 1, "keyId": "<signer key id>", "payload": "<base64 of the canonical JSON bytes>", "sig": "<base64 Ed25519 signature over those bytes>" }`.
 * The verifier checks the signature over the exact payload bytes BEFORE parsing them, then accepts
 * the payload only when it is byte for byte the canonical JSON (sorted keys, no whitespace, no
 * BOM, no duplicate keys) of what it parses to: the serialisation the signer writes. So one signed
 * payload has exactly one meaning (`"vm":"SQL01","vm":"EVIL"` would otherwise mean whatever the
 * parser's last-wins rule says), and equal envelopes give equal bytes and equal `commandHash`es.
 *
 * On a queue, the signed message's JSON text is base64-encoded (UTF-8), the Functions host's
 * default `messageEncoding`. The encoded text may be at most 64 KiB ({@link MAX_QUEUE_MESSAGE_BYTES});
 * producers refuse bigger messages before sending and consumers refuse them before decoding.
 */

/** Azure Storage queue message limit, applied to the queue text. */
export const MAX_QUEUE_MESSAGE_BYTES = 64 * 1024;
/** Longest a command may stay valid (issuedAt → expiresAt). */
export const MAX_COMMAND_LIFETIME_MS = 24 * 3600 * 1000;

// ---------------------------------------------------------------------------------------------
// Canonical JSON

/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, `undefined` members
 * omitted. Throws TypeError on values JSON cannot carry faithfully (non-finite numbers, bigint,
 * functions), so a signer never signs something the verifier would read differently.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonical JSON cannot carry a non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value))
    return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonical JSON cannot carry a ${typeof value}`);
}

/** Canonical JSON as UTF-8 bytes. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

/** SHA-256 of bytes, lower-case hex (the `commandHash` binding a result to its command). */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Signed message

const BASE64 = /^[A-Z0-9+/]*={0,2}$/i;

/** The signed message: signature over the exact payload bytes. */
export const signedMessageSchema = z.strictObject({
  v: z.literal(1, { error: 'v must be 1' }),
  keyId: keyIdSchema,
  payload: z.string().max(MAX_QUEUE_MESSAGE_BYTES).regex(BASE64, { error: 'payload must be base64' }),
  sig: z
    .string()
    .length(88, { error: 'sig must be a base64 Ed25519 signature (88 characters)' })
    .regex(BASE64, { error: 'sig must be base64' }),
});
export type SignedMessage = z.infer<typeof signedMessageSchema>;

/** Encodes a signed message as queue text (base64 of its JSON). Throws NonRetryableError over 64 KiB. */
export function encodeQueueText(message: SignedMessage): string {
  const text = Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
  if (text.length > MAX_QUEUE_MESSAGE_BYTES) {
    throw new NonRetryableError(
      `message is ${text.length} bytes on the queue, over the ${MAX_QUEUE_MESSAGE_BYTES}-byte limit`,
      { code: 'MessageTooLarge' },
    );
  }
  return text;
}

type Decoded =
  { ok: true; message: SignedMessage } | { ok: false; reason: 'tooLarge' | 'malformed'; detail: string };

/**
 * Reads a signed message from what a consumer holds: queue text (base64 of JSON, or JSON text when
 * a host already decoded it) or the object a Functions queue trigger parsed.
 */
export function decodeSignedMessage(input: unknown): Decoded {
  let value: unknown = input;
  if (typeof input === 'string' || Buffer.isBuffer(input)) {
    // Size first, on what we were given: a 10 MB Buffer is refused without becoming a 10 MB string.
    if (input.length > MAX_QUEUE_MESSAGE_BYTES)
      return { ok: false, reason: 'tooLarge', detail: `message is over ${MAX_QUEUE_MESSAGE_BYTES} bytes` };
    const text = typeof input === 'string' ? input : input.toString('utf8');
    const trimmed = text.trim();
    const json = trimmed.startsWith('{')
      ? trimmed
      : BASE64.test(trimmed)
        ? Buffer.from(trimmed, 'base64').toString('utf8')
        : undefined;
    if (json === undefined)
      return { ok: false, reason: 'malformed', detail: 'message is neither JSON nor base64' };
    try {
      value = JSON.parse(json);
    } catch {
      return { ok: false, reason: 'malformed', detail: 'message is not valid JSON' };
    }
  } else {
    let size: number;
    try {
      size = JSON.stringify(input)?.length ?? 0;
    } catch {
      return { ok: false, reason: 'malformed', detail: 'message is not JSON data' };
    }
    if (size > MAX_QUEUE_MESSAGE_BYTES)
      return { ok: false, reason: 'tooLarge', detail: `message is over ${MAX_QUEUE_MESSAGE_BYTES} bytes` };
  }
  const parsed = signedMessageSchema.safeParse(value);
  if (!parsed.success) return { ok: false, reason: 'malformed', detail: describe(parsed.error) };
  return { ok: true, message: parsed.data };
}

function signBytes(payload: Buffer, privateKey: KeyObject, keyId: string): SignedMessage {
  return {
    v: 1,
    keyId,
    payload: payload.toString('base64'),
    sig: edSign(null, payload, privateKey).toString('base64'),
  };
}

/** Verifies the signature of a decoded message; returns the payload bytes or why not. */
function checkSignature(
  message: SignedMessage,
  keys: TrustedKeys,
): { ok: true; payload: Buffer } | { ok: false; reason: 'unknownKey' | 'badSignature'; detail: string } {
  const key = keys.get(message.keyId);
  if (key === undefined)
    return { ok: false, reason: 'unknownKey', detail: `key id ${message.keyId} is not trusted` };
  const payload = Buffer.from(message.payload, 'base64');
  const sig = Buffer.from(message.sig, 'base64');
  // Base64 that does not round-trip (stray padding, trailing bits) is refused: one text, one meaning.
  if (
    payload.toString('base64') !== message.payload ||
    sig.toString('base64') !== message.sig ||
    sig.length !== 64
  ) {
    return { ok: false, reason: 'badSignature', detail: 'payload or signature is not canonical base64' };
  }
  let good = false;
  try {
    good = edVerify(null, payload, key, sig);
  } catch {
    good = false;
  }
  return good
    ? { ok: true, payload }
    : { ok: false, reason: 'badSignature', detail: 'signature does not match the payload' };
}

/** Longest `detail` of a refusal: details reach audit logs and ignored-result records, whatever the input held. */
export const MAX_DETAIL_CHARS = 500;

/** Cuts `text` to `max` characters, saying how much was left out. */
export function capText(text: string, max = MAX_DETAIL_CHARS): string {
  if (text.length <= max) return text;
  const note = `… (${text.length - max} more characters)`;
  return text.slice(0, Math.max(0, max - note.length)) + note;
}

function describe(error: z.ZodError): string {
  return capText(formatIssues(error.issues, { root: '(message)', max: 5, maxEach: 200 }));
}

/**
 * Parses signed payload bytes, accepting only the canonical serialisation: the bytes must equal
 * `canonicalBytes` of the parsed value. That refuses duplicate keys (JSON.parse keeps the last,
 * which re-serialises differently), whitespace, other key orders, a BOM, alternative escapes and
 * number spellings, and invalid UTF-8.
 */
function parseJsonBytes(bytes: Buffer): { ok: true; value: unknown } | { ok: false; detail: string } {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)) as unknown;
  } catch {
    return { ok: false, detail: 'payload is not UTF-8 JSON' };
  }
  let canonical: Buffer;
  try {
    canonical = canonicalBytes(value);
  } catch {
    return { ok: false, detail: 'payload is not canonical JSON' };
  }
  if (!canonical.equals(bytes))
    return {
      ok: false,
      detail:
        'payload is not the canonical JSON the signer writes (sorted keys, no whitespace, no duplicate keys, no BOM)',
    };
  return { ok: true, value };
}

// ---------------------------------------------------------------------------------------------
// Command envelope

const isoTime = z.iso.datetime({ error: 'must be an ISO 8601 UTC time (…Z)' });

/** The command envelope with `type`/`params` still unchecked (the first stage of parsing). */
const commandBaseSchema = z.strictObject({
  v: z.literal(1, { error: 'v must be 1' }),
  commandId: commandIdSchema,
  instanceId: instanceIdSchema,
  site: siteSchema,
  type: z.string().max(64),
  params: z.unknown(),
  mode: z.enum(['drill', 'failover'], { error: 'mode must be drill or failover' }),
  issuedAt: isoTime,
  expiresAt: isoTime,
  keyId: keyIdSchema,
});

interface EnvelopeFields {
  readonly v: 1;
  /** Minted by the orchestration (`newGuid`): the idempotency key of the command. */
  readonly commandId: string;
  /** The orchestration instance waiting for the result. */
  readonly instanceId: string;
  /** The site whose agent must run it (`agent-<site>-commands`). */
  readonly site: string;
  readonly mode: CommandMode;
  readonly issuedAt: string;
  readonly expiresAt: string;
  /** Id of the app key that signed it. */
  readonly keyId: string;
}

/** A parsed, verified command. Narrow on `type` to get typed `params`. */
export type CommandEnvelope<T extends CommandType = CommandType> = {
  [K in T]: EnvelopeFields & { readonly type: K; readonly params: CommandParams<K> };
}[T];

/** What a signer provides (`v` and `keyId` are filled in; parameter defaults may be omitted). */
export type CommandEnvelopeInput<T extends CommandType = CommandType> = {
  [K in T]: Omit<EnvelopeFields, 'v' | 'keyId'> & {
    readonly type: K;
    readonly params: CommandParamsInput<K>;
  };
}[T];

/** Why a command is refused. The first seven are decided by {@link verifyCommand}, the rest by the agent's policy. */
export type CommandRejectionReason =
  | 'tooLarge'
  | 'malformed'
  | 'unknownKey'
  | 'badSignature'
  | 'unknownType'
  | 'badParams'
  | 'expired'
  | 'notYetValid'
  | 'wrongSite'
  | 'refusedInDrill'
  | 'commandIdReused';

/** A verified command with the bytes it was signed over. */
export interface VerifiedCommand {
  readonly ok: true;
  readonly command: CommandEnvelope;
  /** SHA-256 hex of the signed payload bytes. */
  readonly commandHash: string;
}

/** A refused command. `trusted` is present only when the signature was valid, so the id can be answered. */
export interface RejectedCommand {
  readonly ok: false;
  readonly reason: CommandRejectionReason;
  /** Names the field and rule; never contains key material. */
  readonly detail: string;
  readonly trusted?: {
    readonly commandId: string;
    readonly instanceId: string;
    readonly site: string;
    readonly commandHash: string;
    readonly type?: CommandType;
  };
}

/**
 * Signs a command. Parses it first (so only well-formed commands are ever signed, with parameter
 * defaults in the signed bytes) and refuses messages over the queue limit. Throws
 * NonRetryableError on invalid input: retrying cannot help.
 */
export function signCommand(
  envelope: CommandEnvelopeInput,
  privateKey: KeyObject,
  keyId: string,
): { message: SignedMessage; text: string; command: CommandEnvelope; commandHash: string } {
  const base = commandBaseSchema.safeParse({ ...envelope, v: 1, keyId });
  if (!base.success)
    throw new NonRetryableError(`invalid command: ${describe(base.error)}`, { code: 'InvalidCommand' });
  const command = parseTypedCommand(base.data);
  if (!command.ok)
    throw new NonRetryableError(`invalid command: ${command.detail}`, { code: 'InvalidCommand' });
  const lifetime = Date.parse(command.value.expiresAt) - Date.parse(command.value.issuedAt);
  if (!(lifetime > 0 && lifetime <= MAX_COMMAND_LIFETIME_MS)) {
    throw new NonRetryableError(
      'invalid command: expiresAt must be after issuedAt and at most 24 hours later',
      { code: 'InvalidCommand' },
    );
  }
  const payload = canonicalBytes(command.value);
  const message = signBytes(payload, privateKey, keyId);
  return { message, text: encodeQueueText(message), command: command.value, commandHash: sha256Hex(payload) };
}

function parseTypedCommand(
  base: z.infer<typeof commandBaseSchema>,
): { ok: true; value: CommandEnvelope } | { ok: false; reason: 'unknownType' | 'badParams'; detail: string } {
  if (!isCommandType(base.type))
    return {
      ok: false,
      reason: 'unknownType',
      detail: `type: ${base.type.slice(0, 64)} is not a known command type`,
    };
  const params = commandParamSchemas[base.type].safeParse(base.params);
  if (!params.success) {
    const detail = capText(formatIssues(params.error.issues, { prefix: ['params'], max: 5, maxEach: 200 }));
    return { ok: false, reason: 'badParams', detail };
  }
  return { ok: true, value: { ...base, type: base.type, params: params.data } as CommandEnvelope };
}

/**
 * Verifies a command message: size, shape, trusted key id, Ed25519 signature over the exact
 * payload bytes, then the payload's strict schema (closed type set, per-type parameters), that the
 * signed key id matches the outer one, and the validity window with `maxSkewMs` of tolerance.
 * Site and drill-mode checks are the agent's ({@link commandPolicyViolation}).
 */
export function verifyCommand(
  message: unknown,
  trustedKeys: TrustedKeys,
  now: Date,
  maxSkewMs: number,
): VerifiedCommand | RejectedCommand {
  const decoded = decodeSignedMessage(message);
  if (!decoded.ok) return decoded;
  const sig = checkSignature(decoded.message, trustedKeys);
  if (!sig.ok) return sig;
  const commandHash = sha256Hex(sig.payload);
  const json = parseJsonBytes(sig.payload);
  if (!json.ok) return { ok: false, reason: 'malformed', detail: json.detail };
  const base = commandBaseSchema.safeParse(json.value);
  if (!base.success) return { ok: false, reason: 'malformed', detail: describe(base.error) };
  const b = base.data;
  const trusted = {
    commandId: b.commandId,
    instanceId: b.instanceId,
    site: b.site,
    commandHash,
    ...(isCommandType(b.type) ? { type: b.type } : {}),
  };
  if (b.keyId !== decoded.message.keyId)
    return {
      ok: false,
      reason: 'malformed',
      detail: 'keyId: the signed key id differs from the message key id',
      trusted,
    };
  const typed = parseTypedCommand(b);
  if (!typed.ok) return { ok: false, reason: typed.reason, detail: typed.detail, trusted };
  const issued = Date.parse(b.issuedAt);
  const expires = Date.parse(b.expiresAt);
  if (!(expires > issued && expires - issued <= MAX_COMMAND_LIFETIME_MS)) {
    return {
      ok: false,
      reason: 'malformed',
      detail: 'expiresAt: must be after issuedAt and at most 24 hours later',
      trusted,
    };
  }
  const t = now.getTime();
  if (issued > t + maxSkewMs)
    return {
      ok: false,
      reason: 'notYetValid',
      detail: 'issuedAt: is in the future beyond the allowed clock skew',
      trusted,
    };
  if (expires + maxSkewMs <= t)
    return { ok: false, reason: 'expired', detail: 'expiresAt: the command has expired', trusted };
  return { ok: true, command: typed.value, commandHash };
}

/** The agent-side policy: right site, and the drill rule. Returns the violated rule, if any. */
export function commandPolicyViolation(
  command: CommandEnvelope,
  site: string,
  isAllowed: (type: CommandType, mode: CommandMode) => boolean,
): { reason: 'wrongSite' | 'refusedInDrill'; detail: string } | undefined {
  if (command.site !== site)
    return { reason: 'wrongSite', detail: `site: the command is for another site than ${site}` };
  if (!isAllowed(command.type, command.mode))
    return {
      reason: 'refusedInDrill',
      detail: `mode: ${command.type} changes state and is refused in drill mode`,
    };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Result envelope

/** Result outcomes. `alreadyDone` is a success that changed nothing (idempotent repeat). */
export const RESULT_OUTCOMES = ['succeeded', 'failed', 'alreadyDone', 'rejected'] as const;
export type ResultOutcome = (typeof RESULT_OUTCOMES)[number];

const errorSchema = z.strictObject({
  code: z.string().regex(/^[\w.-]{1,64}$/, { error: 'error.code must be 1-64 of A-Z a-z 0-9 . _ -' }),
  message: z.string().max(2048),
});

const resultBaseSchema = z.strictObject({
  v: z.literal(1, { error: 'v must be 1' }),
  commandId: commandIdSchema,
  instanceId: instanceIdSchema,
  commandHash: z.string().regex(/^[0-9a-f]{64}$/, { error: 'commandHash must be 64 lower-case hex digits' }),
  agentId: agentIdSchema,
  site: siteSchema,
  type: z.string().max(64).optional(),
  outcome: z.enum(RESULT_OUTCOMES),
  output: z.unknown(),
  error: errorSchema.optional(),
  timings: z.strictObject({ receivedAt: isoTime, startedAt: isoTime.optional(), finishedAt: isoTime }),
  keyId: keyIdSchema,
});

interface ResultFields {
  readonly v: 1;
  readonly commandId: string;
  readonly instanceId: string;
  /** SHA-256 hex of the command's signed payload bytes. */
  readonly commandHash: string;
  readonly agentId: string;
  readonly site: string;
  readonly timings: { readonly receivedAt: string; readonly startedAt?: string; readonly finishedAt: string };
  /** Id of the agent key that signed it. */
  readonly keyId: string;
}

/** A verified result. Successful outcomes carry the typed output of their command type. */
export type ResultEnvelope =
  | {
      [K in CommandType]: ResultFields & {
        readonly type: K;
        readonly outcome: 'succeeded' | 'alreadyDone';
        readonly output: CommandOutput<K>;
      };
    }[CommandType]
  | (ResultFields & {
      readonly type?: CommandType;
      readonly outcome: 'failed' | 'rejected';
      readonly output: null;
      readonly error: { readonly code: string; readonly message: string };
    });

/** What a signer provides (`v` and `keyId` are filled in). */
export type ResultEnvelopeInput = ResultEnvelope extends infer R
  ? R extends unknown
    ? Omit<R, 'v' | 'keyId'>
    : never
  : never;

function parseTypedResult(
  value: unknown,
): { ok: true; result: ResultEnvelope } | { ok: false; reason: 'malformed' | 'badOutput'; detail: string } {
  const base = resultBaseSchema.safeParse(value);
  if (!base.success) return { ok: false, reason: 'malformed', detail: describe(base.error) };
  const r = base.data;
  if (r.type !== undefined && !isCommandType(r.type))
    return { ok: false, reason: 'malformed', detail: 'type: is not a known command type' };
  if (r.outcome === 'succeeded' || r.outcome === 'alreadyDone') {
    if (r.type === undefined)
      return { ok: false, reason: 'malformed', detail: 'type: is required for a successful outcome' };
    if (r.error !== undefined)
      return { ok: false, reason: 'malformed', detail: 'error: must be absent for a successful outcome' };
    const out = commandOutputSchemas[r.type].safeParse(r.output);
    if (!out.success) return { ok: false, reason: 'badOutput', detail: describe(out.error) };
    return { ok: true, result: { ...r, output: out.data } as ResultEnvelope };
  }
  if (r.error === undefined)
    return { ok: false, reason: 'malformed', detail: 'error: is required for a failed or rejected outcome' };
  if (r.output !== null)
    return {
      ok: false,
      reason: 'malformed',
      detail: 'output: must be null for a failed or rejected outcome',
    };
  return { ok: true, result: r as ResultEnvelope };
}

/** Signs a result with the agent's key. Throws NonRetryableError when it does not match the schema or is too large. */
export function signResult(
  result: ResultEnvelopeInput,
  privateKey: KeyObject,
  keyId: string,
): { message: SignedMessage; text: string; result: ResultEnvelope } {
  const parsed = parseTypedResult({ ...result, v: 1, keyId });
  if (!parsed.ok) throw new NonRetryableError(`invalid result: ${parsed.detail}`, { code: 'InvalidResult' });
  const message = signBytes(canonicalBytes(parsed.result), privateKey, keyId);
  return { message, text: encodeQueueText(message), result: parsed.result };
}

/** What a result must be bound to: the command the app sent. */
export interface ExpectedBinding {
  readonly commandId: string;
  readonly instanceId: string;
  readonly commandHash: string;
  readonly site?: string;
  /** The command type sent: a result naming another type answers something else. */
  readonly type?: string;
}

export type ResultRejectionReason =
  'tooLarge' | 'malformed' | 'unknownKey' | 'badSignature' | 'badOutput' | 'notBound';

/** Why a verified result does not belong to `expected`, or undefined when it does. */
export function resultBindingMismatch(result: ResultEnvelope, expected: ExpectedBinding): string | undefined {
  if (result.commandId !== expected.commandId) return 'commandId: the result answers another command';
  if (result.instanceId !== expected.instanceId)
    return 'instanceId: the result answers another orchestration';
  if (result.commandHash !== expected.commandHash)
    return 'commandHash: the result answers different command bytes';
  if (expected.site !== undefined && result.site !== expected.site)
    return 'site: the result comes from another site';
  if (expected.type !== undefined && result.type !== undefined && result.type !== expected.type)
    return `type: the result answers a ${result.type} command, but ${expected.type} was sent`;
  return undefined;
}

/**
 * Verifies a result message: size, shape, a trusted agent key, the signature over the exact
 * payload bytes, the strict result schema with the typed output of its command type, that the
 * signed key id matches, and (when `expected` is given) the binding to the command sent.
 */
export function verifyResult(
  message: unknown,
  agentKeys: TrustedKeys,
  expected?: ExpectedBinding,
): { ok: true; result: ResultEnvelope } | { ok: false; reason: ResultRejectionReason; detail: string } {
  const decoded = decodeSignedMessage(message);
  if (!decoded.ok) return decoded;
  const sig = checkSignature(decoded.message, agentKeys);
  if (!sig.ok) return sig;
  const json = parseJsonBytes(sig.payload);
  if (!json.ok) return { ok: false, reason: 'malformed', detail: json.detail };
  const parsed = parseTypedResult(json.value);
  if (!parsed.ok) return parsed;
  if (parsed.result.keyId !== decoded.message.keyId)
    return {
      ok: false,
      reason: 'malformed',
      detail: 'keyId: the signed key id differs from the message key id',
    };
  if (expected !== undefined) {
    const mismatch = resultBindingMismatch(parsed.result, expected);
    if (mismatch !== undefined) return { ok: false, reason: 'notBound', detail: mismatch };
  }
  return parsed;
}
