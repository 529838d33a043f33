/**
 * Errors: the retry taxonomy, the one zod formatter, and how an error crosses the durable
 * boundary and reaches an operator (code + message, no stack, no path, no secret).
 */
export * from './taxonomy';
export * from './zod';
export * from './boundary';
