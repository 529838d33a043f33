import type { Clock } from '../clock';
import type { ApimConfiguration, EmulatedService, ServiceSpec } from './model';
import type { ArmTraffic } from './traffic';
import type { ArmAlerts } from './resources/alertsManagement/alerts';

/** The ARM emulator's public types: its options, its handle and the scripting interfaces. */

/** A scripted failure for the next matching call(s). */
export type ArmFault =
  /** 409 ServiceLocked on a backup/restore POST. */
  | { kind: 'serviceLocked' }
  /** A one-off HTTP error answer (500, 503, 429...), with an optional Retry-After. */
  | { kind: 'http'; status: number; code?: string; message?: string; retryAfterSeconds?: number }
  /** The operation being polled fails for good; later polls repeat the same error. */
  | { kind: 'failOperation'; status?: number; code?: string; message?: string }
  /**
   * The next restore that succeeds leaves out one API (all its revisions): `api` by name, or the
   * first API of the backup. For verification-difference tests; `on` is ignored.
   */
  | { kind: 'dropApiOnRestore'; api?: string }
  /**
   * The next backup accepted has the service's configuration changed while it runs: `change`
   * (the same shape as `services.update`'s `configuration`) is applied just after the POST is
   * accepted, so the backup holds the configuration from before (the documentation warns that
   * changes made during a backup may be excluded from it). `on` is ignored.
   */
  | { kind: 'changeConfigDuringBackup'; change: Partial<ApimConfiguration> };

/** Which requests a fault applies to (`list`: the apis/products/namedValues list operations). */
export type FaultTarget = 'post' | 'poll' | 'get' | 'list' | 'reports' | 'any';

/** Scripting interface for faults. */
export interface ArmFaults {
  /** Makes the next `times` (default 1) requests of kind `on` fail with `fault`. */
  inject(fault: ArmFault, options?: { times?: number; on?: FaultTarget }): void;
  /** Scripted faults not yet used. */
  pending(): number;
  clear(): void;
}

/** Access to the emulated services, for seeding and assertions. */
export interface ArmServices {
  /** Adds (or replaces) a service; returns its ARM id. */
  add(spec: ServiceSpec): string;
  /** Changes fields of a service (e.g. provisioningState, sku, configuration); `usage` is appended. */
  update(
    resourceId: string,
    patch: Partial<Omit<ServiceSpec, 'name' | 'subscriptionId' | 'resourceGroup'>>,
  ): void;
  /** A deep copy of the service, or undefined. */
  get(resourceId: string): EmulatedService | undefined;
  /** The `ApiManagementServiceResource` JSON a GET would return. */
  resource(resourceId: string): Record<string, unknown> | undefined;
  list(): EmulatedService[];
}

/** The gateway of each service: answers the health path `/status-0123456789abcdef`. */
export interface ArmGateways {
  /** The gateway's URL (`https://127.0.0.1:{port}`, the service's `gatewayUrl`) once it listens. */
  url(resourceId: string): Promise<string>;
  /** Healthy (default): the health path answers 200; unhealthy: 503. */
  setHealthy(resourceId: string, healthy: boolean): void;
  /** How many health-path requests the service's gateway answered. */
  probes(resourceId: string): number;
}

/** Options for {@link startArmEmulator}. */
export interface ArmEmulatorOptions {
  /** Time source for operation durations and backup expiry (default: the wall clock). */
  clock?: Clock;
  /** Azurite (or any storage) connection string; backup blobs are written there. */
  storageConnectionString: string;
  /**
   * Maps the `storageAccount` name in a request to a connection string. Default: every name maps
   * to `storageConnectionString` (one Azurite account stands in for all storage accounts).
   */
  resolveStorageAccount?: (accountName: string) => string | undefined;
  /** Retry-After seconds on 202 answers (live: 60; tests: 0). */
  retryAfterSeconds?: number;
  /** How long operations take on the clock (default backup 10 min, restore 30 min). */
  durations?: { backupMs?: number; restoreMs?: number };
  /** Backups older than this are refused by restore (current docs: 30 days). */
  backupExpiryDays?: number;
  /** Services present at start. */
  services?: ServiceSpec[];
  /** The bearer token ARM accepts (default: random per start). */
  token?: string;
  /**
   * Items per page of the list operations when the request has no `$top` (and the most a `$top`
   * gets). The live default is not documented; 100 here.
   */
  listPageSize?: number;
}

/** A running emulator. */
export interface ArmEmulator {
  /** `https://127.0.0.1:{port}`: the ARM endpoint. */
  endpoint: string;
  /** The self-signed certificate to trust (tlsOptions.ca / NODE_EXTRA_CA_CERTS). */
  caPem: string;
  /** The bearer token ARM accepts (also what the identity endpoint issues). */
  token: string;
  /** App Service managed identity endpoint (IDENTITY_ENDPOINT / IDENTITY_HEADER protocol), plain http as on App Service. */
  identity: { endpoint: string; header: string };
  services: ArmServices;
  faults: ArmFaults;
  gateways: ArmGateways;
  /** Front Door and Traffic Manager profiles: add, read back, count writes (./traffic.ts). */
  traffic: ArmTraffic;
  /** Alert instances (Alerts Management API): what Lifeboat checks an alert delivery against. */
  alerts: ArmAlerts;
  /**
   * How long operations take on the clock; settable, read when a POST is accepted (so a test can
   * make one backup outlast the run's timeout).
   */
  durations: { backupMs: number; restoreMs: number };
  /**
   * What the final 200 of an operation poll adds to the service resource; settable. `endTime`:
   * the operation's completion time on the clock, as an ARM async-operation status would carry
   * it. Off by default, as live: APIM's final answer is the service resource alone (no completion
   * time; docs/reference/apim-backup-restore.md). For tests of a service that reports it.
   */
  finalAnswer: { endTime: boolean };
  /** Requests served so far, for assertions (method, path, status). */
  requests(): { method: string; path: string; status: number }[];
  stop(): Promise<void>;
}
