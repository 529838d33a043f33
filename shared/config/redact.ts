/**
 * The app's redaction: the same rules as the on-premises agent's, defined once in
 * shared/redact/index.ts (the agent may not import shared/config). Kept here so existing
 * importers keep working.
 */
export { redact } from '../redact';
