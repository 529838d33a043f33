/**
 * ARM resource ids: normalised for comparison and parsed for API Management services. Below
 * configuration in the layers: the settings schema and every area compare ids with these.
 */

/** A parsed ARM id of an API Management service. */
export interface ApimServiceId {
  subscriptionId: string;
  resourceGroup: string;
  serviceName: string;
  /** Normalised `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ApiManagement/service/{name}`. */
  resourceId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Resource group: 1-90 of letters, digits, underscore, hyphen, period, parentheses; not ending in a period.
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;
// The SDK's own service-name rule (docs/reference/apim-backup-restore.md, "Requests").
const SERVICE_NAME = /^[a-z](?:[a-z0-9-]*[a-z0-9])?$/i;
const SHAPE =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ApiManagement\/service\/([^/]+)\/?$/i;

/** Parses and validates an APIM service ARM id; the error says which rule failed. */
export function parseApimResourceId(
  text: string,
): { ok: true; value: ApimServiceId } | { ok: false; error: string } {
  const m = SHAPE.exec(text.trim());
  if (!m) {
    return {
      ok: false,
      error:
        'must be an API Management ARM id: /subscriptions/{guid}/resourceGroups/{rg}/providers/Microsoft.ApiManagement/service/{name}',
    };
  }
  const [, sub = '', rg = '', name = ''] = m;
  if (!UUID.test(sub)) return { ok: false, error: 'subscription id must be a GUID' };
  if (!RESOURCE_GROUP.test(rg))
    return {
      ok: false,
      error: 'resource group must be 1-90 letters, digits, _ - . ( ) and not end with a period',
    };
  if (name.length > 50 || !SERVICE_NAME.test(name)) {
    return {
      ok: false,
      error:
        'service name must be 1-50 letters, digits and hyphens, starting with a letter and not ending with a hyphen',
    };
  }
  return {
    ok: true,
    value: {
      subscriptionId: sub.toLowerCase(),
      resourceGroup: rg,
      serviceName: name,
      resourceId: `/subscriptions/${sub.toLowerCase()}/resourceGroups/${rg}/providers/Microsoft.ApiManagement/service/${name}`,
    },
  };
}

/** ARM ids compare case-insensitively once normalised (threats-and-faults.md, "restore into the wrong service"). */
export function sameResource(a: string, b: string): boolean {
  const na = a.trim().replace(/\/+$/, '').toLowerCase();
  const nb = b.trim().replace(/\/+$/, '').toLowerCase();
  return na === nb;
}

/**
 * Normalises an ARM resource id for comparison: surrounding whitespace trimmed, repeated and
 * trailing slashes removed, a leading slash ensured, case folded (ARM ids are case-insensitive,
 * `providers` and `Microsoft.ApiManagement` included).
 */
export function normaliseResourceId(id: string): string {
  const trimmed = id
    .trim()
    .replace(/\/{2,}/g, '/')
    .replace(/\/+$/, '');
  return (trimmed.startsWith('/') ? trimmed : `/${trimmed}`).toLowerCase();
}

/** Whether two ARM ids name the same resource once normalised. */
export function sameResourceId(a: string, b: string): boolean {
  return normaliseResourceId(a) === normaliseResourceId(b);
}
