import { isFailbackAlreadyApplied, type CommandOutput, type CommandType } from '../contracts';

/**
 * After a state-changing command timed out, the relay asks for state before re-sending it
 * (onprem-commands.md; threats-and-faults.md "agent offline or slow"). These say which read tells
 * what each command did, and what its answer means.
 */

/** A read that tells what a state-changing command did, asked after a timeout before re-sending it. */
export type StateQuery =
  | { type: 'hyperv.replicationState'; params: { vm: string } }
  | { type: 'lync.backupStatus'; params: { poolFqdn: string; module: string } }
  | { type: 'pchat.getLegacyEndpoint'; params: { sipAddress: string } };

/**
 * The state query for a command that must not be re-sent blindly, or undefined when re-sending is
 * safe (reads). Test failovers are not idempotent either (a second start fails: a test VM exists),
 * but have no status read in the closed set: they are never re-sent (see {@link decideAfterTimeout}).
 */
export function stateQueryFor(
  type: CommandType,
  params: Readonly<Record<string, unknown>>,
): StateQuery | undefined {
  const text = (k: string) => (typeof params[k] === 'string' ? params[k] : '');
  switch (type) {
    case 'hyperv.initiateFailback':
      return { type: 'hyperv.replicationState', params: { vm: text('vm') } };
    case 'lync.backupSync':
      return {
        type: 'lync.backupStatus',
        params: { poolFqdn: text('poolFqdn'), module: text('module') || 'ConfServices.DataConf' },
      };
    case 'pchat.ensureLegacyEndpoint':
      return { type: 'pchat.getLegacyEndpoint', params: { sipAddress: text('sipAddress') } };
    default:
      return undefined;
  }
}

/** What the state read after a timeout says about the original command. */
export type StateVerdict =
  | { verdict: 'alreadyDone'; output: unknown }
  | { verdict: 'resend' }
  | { verdict: 'failed'; error: { code: string; message: string } };

/**
 * Interprets the answer to a state query (a succeeded read). Failback: the VM already at or past
 * WaitingForFailback means it was applied. Lync sync: a module in progress means a sync is running
 * (the sync is incremental, so a finished or failed module may be synced again). Legacy endpoint:
 * present for the same pool means done; for another pool it is a conflict; absent → re-send.
 */
export function interpretStateQuery(
  original: { type: CommandType; params: Readonly<Record<string, unknown>> },
  output: unknown,
): StateVerdict {
  switch (original.type) {
    case 'hyperv.initiateFailback': {
      const o = output as CommandOutput<'hyperv.replicationState'>;
      if (isFailbackAlreadyApplied(o.replicationState)) {
        return {
          verdict: 'alreadyDone',
          output: {
            returnCode: null,
            meaning: 'Result lost; the replication state shows the failback was initiated',
            replicationState: o.replicationState,
          },
        };
      }
      if (o.replicationState === 'FailedOver') return { verdict: 'resend' };
      return {
        verdict: 'failed',
        error: {
          code: 'unexpectedState',
          message: `replication state is ${o.replicationState}: failback cannot be initiated`,
        },
      };
    }
    case 'lync.backupSync': {
      const o = output as CommandOutput<'lync.backupStatus'>;
      const lost = typeof original.params['lostPoolFqdn'] === 'string' ? original.params['lostPoolFqdn'] : '';
      if (o.state === 'inProgress')
        return {
          verdict: 'alreadyDone',
          output: { poolFqdn: o.poolFqdn, lostPoolFqdn: lost, module: o.module },
        };
      return { verdict: 'resend' };
    }
    case 'pchat.ensureLegacyEndpoint': {
      const o = output as CommandOutput<'pchat.getLegacyEndpoint'>;
      const wanted = typeof original.params['poolFqdn'] === 'string' ? original.params['poolFqdn'] : '';
      if (!o.exists) return { verdict: 'resend' };
      if (o.poolFqdn !== undefined && o.poolFqdn.toLowerCase() === wanted.toLowerCase())
        return {
          verdict: 'alreadyDone',
          output: { sipAddress: o.sipAddress, poolFqdn: o.poolFqdn, created: false },
        };
      return {
        verdict: 'failed',
        error: {
          code: 'conflict',
          message: `${o.sipAddress} already exists for another Persistent Chat pool`,
        },
      };
    }
    default:
      return { verdict: 'resend' };
  }
}
