import type https from 'node:https';
import type { Clock } from '../clock';
import type { LocalTlsIdentity } from '../tls';
import type { BackupBlob, EmulatedService } from './model';
import type { TrafficState } from './traffic';
import type { EmulatedAlert } from './resources/alertsManagement/alerts';
import type { ArmFault, FaultTarget } from './types';
import type { ArmError, BackupRestoreParams } from './validation';

/**
 * The emulator's state, shared by the router, the resource handlers (./resources) and the
 * scripting APIs. One object per started emulator (./emulator.ts builds it). A new resource type
 * adds its own store here, next to `services` and `operations`.
 */
export interface EmulatorContext {
  readonly clock: Clock;
  readonly tls: LocalTlsIdentity;
  /** The bearer token ARM accepts. */
  readonly token: string;
  /** `https://127.0.0.1:{port}`, set once the ARM server listens (absolute links are built on it). */
  endpoint: string;
  /** Retry-After seconds on 202 answers. */
  readonly retryAfterSeconds: number;
  /** Settable durations, read when a POST is accepted. */
  readonly durations: { backupMs: number; restoreMs: number };
  readonly finalAnswer: { endTime: boolean };
  /** Backups older than this are refused by restore. */
  readonly expiryMs: number;
  /** Items per page of the list operations. */
  readonly listPageSize: number;
  /** A storage account name to a connection string, or undefined when there is no such account. */
  readonly resolveStorage: (accountName: string) => string | undefined;
  /** API Management services by {@link serviceKey}. */
  readonly services: Map<string, EmulatedService>;
  /** Backup and restore operations by id. */
  readonly operations: Map<string, Operation>;
  /** Each service's gateway, by service key. */
  readonly gateways: Map<string, Gateway>;
  /** Front Door and Traffic Manager profiles (./traffic.ts). */
  readonly traffic: TrafficState;
  /** Alert instances (Microsoft.AlertsManagement/alerts) by their case-folded id. */
  readonly alerts: Map<string, EmulatedAlert>;
  /** The next scripted fault for a request of `kind`, if any (./faults.ts). */
  takeFault(kind: Exclude<FaultTarget, 'any'> | 'restoreResult' | 'backupAccepted'): ArmFault | undefined;
}

/** A backup or restore under way or finished (its poll answers from here). */
export interface Operation {
  id: string;
  kind: 'Backup' | 'Restore';
  serviceKey: string;
  apiVersion: string;
  params: BackupRestoreParams;
  dueAt: number;
  status: 'running' | 'succeeded' | 'failed';
  /** Snapshot taken when the backup was accepted (the blob reflects that moment). */
  snapshot: BackupBlob | undefined;
  finalResource: Record<string, unknown> | undefined;
  error: ArmError | undefined;
  finishing: Promise<void> | undefined;
  cancelTimer: () => void;
}

/** A service's gateway (./gateways.ts). */
export interface Gateway {
  server: https.Server;
  ready: Promise<string>;
  url: string | undefined;
  healthy: boolean;
  probes: number;
}
