import { z } from 'zod';

/**
 * Parameter validators for the on-premises commands (docs/reference/onprem-commands.md,
 * "Input rules"). Every value that reaches a PowerShell argument vector passes one of these first,
 * and the scripts check the same patterns again. They are deliberately narrower than what Lync or
 * Hyper-V accept: ASCII only, no quoting characters, nothing that could start a PowerShell
 * parameter (`-`), no whitespace except an inner space in names.
 *
 * The regular expressions have no `u` flag, so `[A-Z]` and `\w` are ASCII only, with or without
 * `i` (only the `u`/`v` flags add Unicode case foldings such as the Kelvin sign matching `k`):
 * look-alike Unicode letters never match. JavaScript's `$` (without `m`) matches only at the very
 * end of the text, never before a trailing newline. The PowerShell copies use `\z` for the same
 * reason.
 */

/** One DNS label: 1-63 of `[A-Za-z0-9-]`, no leading or trailing hyphen. */
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';

/**
 * A fully qualified domain name: at least two labels (a pool FQDN is never a bare host name),
 * each 1-63 characters, at most 253 characters in total, no trailing dot.
 */
export const FQDN_PATTERN = new RegExp(`^${LABEL}(?:\\.${LABEL})+$`, 'i');
/** Longest FQDN accepted (RFC 1035 presentation form without the trailing dot). */
export const FQDN_MAX = 253;

/** `sip:<localpart>@<fqdn>`: the local part is 1-64 of `[A-Za-z0-9._-]`, starting with a letter or digit. */
export const SIP_LOCAL_PATTERN = /^[A-Z0-9][\w.-]{0,63}$/i;

/** A GUID in its 8-4-4-4-12 hexadecimal form, without braces. */
export const GUID_PATTERN = /^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i;

/**
 * A Hyper-V VM name we agree to pass on: starts and ends with a letter or digit, 1-64 characters of
 * letters, digits, space, `.`, `_` and `-`. Hyper-V allows far more (any character but a few), but
 * names outside this set must be addressed by GUID: quotes, `;`, `` ` ``, `$`, `|`, `&`, brackets,
 * wildcards (`*?[]` would make `Get-VM -Name` match several VMs), control characters and a leading
 * `-` (which PowerShell would read as a parameter name) are all excluded.
 */
export const VM_NAME_PATTERN = /^[A-Z0-9](?:[\w .-]{0,62}[A-Z0-9])?$/i;

/** A display name: same rule as a VM name (letters, digits, inner space, `.`, `_`, `-`), up to 64 characters. */
export const DISPLAY_NAME_PATTERN = VM_NAME_PATTERN;

/**
 * A Hyper-V recovery point identifier: a GUID, optionally prefixed `Microsoft:` as WMI instance ids
 * of snapshot settings are (`Microsoft:<GUID>`).
 */
export const RECOVERY_POINT_PATTERN = /^(?:Microsoft:)?[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;

/** FQDN of a Lync / Skype for Business pool. */
export const fqdnSchema = z
  .string({ error: 'must be a string' })
  .max(FQDN_MAX, { error: `must be at most ${FQDN_MAX} characters` })
  .regex(FQDN_PATTERN, {
    error:
      'must be an FQDN: at least two dot-separated labels of 1-63 ASCII letters, digits or hyphens, no leading or trailing hyphen',
  });

/**
 * A host name: one DNS label (a NetBIOS-style node name such as `HV01`) or an FQDN, each label
 * 1-63 of `[A-Za-z0-9-]` without a leading or trailing hyphen, at most 253 characters. Used for
 * failover cluster and cluster node names (issue 22 item 9), which reach a PowerShell argument
 * vector (`-Cluster`, `-Node`) and must never start with `-`.
 */
export const HOSTNAME_PATTERN = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`, 'i');

/** A cluster or cluster node name by {@link HOSTNAME_PATTERN}. */
export const hostnameSchema = z
  .string({ error: 'must be a string' })
  .max(FQDN_MAX, { error: `must be at most ${FQDN_MAX} characters` })
  .regex(HOSTNAME_PATTERN, {
    error:
      'must be a host name: one or more dot-separated labels of 1-63 ASCII letters, digits or hyphens, no leading or trailing hyphen',
  });

/** Whether `text` is an FQDN by the rule above (for callers that do not want a zod parse). */
export function isFqdn(text: string): boolean {
  return text.length <= FQDN_MAX && FQDN_PATTERN.test(text);
}

/** `sip:<localpart>@<fqdn>` with no password, port, parameters or headers. */
export const sipAddressSchema = z
  .string({ error: 'must be a string' })
  .max(4 + 64 + 1 + FQDN_MAX, { error: 'is too long' })
  .refine(
    (text) => {
      if (!text.startsWith('sip:')) return false;
      const rest = text.slice(4);
      const at = rest.indexOf('@');
      if (at < 0 || rest.indexOf('@', at + 1) >= 0) return false;
      return SIP_LOCAL_PATTERN.test(rest.slice(0, at)) && isFqdn(rest.slice(at + 1));
    },
    {
      error:
        'must be sip:<localpart>@<fqdn> (local part of ASCII letters, digits, ".", "_" or "-"; no port, password or parameters)',
    },
  );

/** A GUID (VM id, job id). */
export const guidSchema = z
  .string({ error: 'must be a string' })
  .regex(GUID_PATTERN, { error: 'must be a GUID (8-4-4-4-12 hexadecimal digits)' });

/** A command id: a lower-case GUID (Durable Functions `newGuid` form), so one id has one spelling in ledgers and events. */
export const commandIdSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/, { error: 'must be a lower-case GUID' });

/** A VM reference: its GUID or a name matching {@link VM_NAME_PATTERN}. */
export const vmRefSchema = z
  .string({ error: 'must be a string' })
  .max(64, { error: 'must be at most 64 characters' })
  .refine((text) => GUID_PATTERN.test(text) || VM_NAME_PATTERN.test(text), {
    error:
      'must be a VM GUID or a name of ASCII letters, digits, inner spaces, ".", "_" or "-" starting and ending with a letter or digit',
  });

/** A recovery point identifier (GUID, optionally `Microsoft:`-prefixed). */
export const recoveryPointSchema = z.string({ error: 'must be a string' }).regex(RECOVERY_POINT_PATTERN, {
  error: 'must be a recovery point GUID, optionally prefixed "Microsoft:"',
});

/** A display name for a Persistent Chat endpoint. */
export const displayNameSchema = z.string({ error: 'must be a string' }).regex(DISPLAY_NAME_PATTERN, {
  error: 'must be 1-64 ASCII letters, digits, inner spaces, ".", "_" or "-"',
});

/**
 * A site name: 1-40 lower-case letters, digits and single inner hyphens, so that
 * `agent-<site>-commands` is a valid queue name.
 */
export const siteSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, {
    error: 'must be 1-40 lower-case letters, digits and single inner hyphens',
  })
  .refine((s) => !s.includes('--'), { error: 'must not contain "--"' });

/** A signing key id: 1-64 of `[A-Za-z0-9._:-]`. */
export const keyIdSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[\w.:-]{1,64}$/, { error: 'must be 1-64 of A-Z a-z 0-9 . _ : -' });

/** An agent id: 1-64 of `[A-Za-z0-9._-]`. */
export const agentIdSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[\w.-]{1,64}$/, { error: 'must be 1-64 of A-Z a-z 0-9 . _ -' });

/** A Durable Functions orchestration instance id as Lifeboat mints them: 1-128 of `[A-Za-z0-9._:@-]`. */
export const instanceIdSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[\w.:@-]{1,128}$/, { error: 'must be 1-128 of A-Z a-z 0-9 . _ : @ -' });

/** The queue a site's agent polls for commands. */
export function commandQueueName(site: string): string {
  return `agent-${site}-commands`;
}
