/**
 * The relay protocol shared by the function app and the on-premises agent: validators, the closed
 * set of command types, signed command and result envelopes, keys, and the pure decisions about
 * on-premises status values. See ./README.md for the wire format.
 */
export * from './validators';
export * from './domain';
export * from './commands';
export * from './keys';
export * from './envelope';
