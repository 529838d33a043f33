/**
 * The local Functions host: runs the app's real `@azure/functions` registrations and the real
 * `durable-functions` replay without Core Tools. See local/README.md.
 */
export { startHost, resolveMain, type HostOptions, type LocalHost, type AppLoader } from './host';
export { createTestHost, type TestHost, type TestHostOptions } from './testing';
export type { InstanceStatus, RuntimeStatus } from './durable/engine';
export type { HistoryEvent } from './durable/history';
export { EventType } from './durable/history';
