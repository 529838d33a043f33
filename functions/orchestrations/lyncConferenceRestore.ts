import type { LyncConferenceRestoreResult } from '../../shared/onprem/contracts';
import { call, finish, inputText, lazy, orchestration, pollUntil, progress, runCommand } from '../kit';
import { onprem as names } from '../names/onprem';
import { relay } from '../names/relay';

/**
 * Restores conferencing data from the Lync / Skype for Business Backup Service pair
 * (onprem-commands.md, "Lync Backup Service"): `lync.backupSync` on the pool that holds the data
 * (the agent reads the pairing with the pool that lost it first and refuses `NotPaired`), then
 * `lync.backupStatus` until the module is in the procedure's Steady State AFTER the sync (a
 * reading since the sync showed it moving: shared/onprem/lync.ts), failed, or the operation
 * timeout passes. A
 * sub-orchestration the recovery plans call; it returns a result in the one outcome vocabulary for
 * every ending and never throws for an on-premises failure.
 */

const contracts = lazy(() => import('../../shared/onprem/contracts'));
const lync = lazy(() => import('../../shared/onprem/lync'));

const EVENT = 'lifeboat.onprem.lyncRestore';

orchestration(names.lyncConferenceRestore, {
  uses: [contracts, lync],
  input: () => contracts.get().lyncConferenceRestoreInputSchema,
  event: EVENT,
  // A failover changes production: only Lifeboat starts one (issue 20).
  lifeboatOnly: (input) => input.mode === 'failover',
  ended: (ending, raw) => ({
    ...ending,
    site: inputText(raw, 'site'),
    poolFqdn: inputText(raw, 'poolFqdn'),
    lostPoolFqdn: inputText(raw, 'lostPoolFqdn'),
    module: inputText(raw, 'module'),
    polls: 0,
  }),
  *run(context, input) {
    const settings =
      input.pollMs === undefined || input.timeoutMs === undefined || input.timeouts === undefined
        ? yield* call(context, relay.relaySettings, {})
        : undefined;
    const pollMs = input.pollMs ?? settings?.pollMs ?? 30_000;
    const timeoutMs = input.timeoutMs ?? settings?.operationTimeoutMs ?? 4 * 3600_000;
    const timeouts = input.timeouts ?? settings?.timeouts;
    const base = {
      site: input.site,
      poolFqdn: input.poolFqdn,
      lostPoolFqdn: input.lostPoolFqdn,
      module: input.module,
    };
    const command = <T extends 'lync.backupSync' | 'lync.backupStatus'>(type: T) => ({
      site: input.site,
      type,
      params:
        type === 'lync.backupSync'
          ? { poolFqdn: input.poolFqdn, lostPoolFqdn: input.lostPoolFqdn, module: input.module }
          : { poolFqdn: input.poolFqdn, module: input.module },
      mode: input.mode,
      ...(timeouts === undefined ? {} : { timeouts }),
    });
    const done = (result: LyncConferenceRestoreResult) => finish(context, EVENT, result, base);
    const deadline = new Date(context.df.currentUtcDateTime.getTime() + timeoutMs);

    progress(context, {
      phase: 'syncing',
      percent: 0,
      waitingFor: `the Backup Service sync on ${input.poolFqdn}`,
      ...base,
    });
    const sync = yield* runCommand(context, command('lync.backupSync'));
    if (sync.outcome !== 'succeeded')
      return done({ ...base, outcome: sync.outcome, polls: 0, ...(sync.error ? { error: sync.error } : {}) });

    let lastStatus: LyncConferenceRestoreResult['lastStatus'];
    const syncedAt = context.df.currentUtcDateTime.getTime();
    const cycleMs = input.backupCycleMs ?? 120_000;
    let evidence: { moved: boolean; sinceSyncMs?: number; cycleMs?: number } = { moved: false };
    let waiting = `${input.module} on ${input.poolFqdn} to finish syncing`;
    const polled = yield* pollUntil(context, {
      deadline,
      intervalMs: pollMs,
      onWait: (at, polls) =>
        progress(context, {
          phase: 'polling',
          percent: 50,
          waitingFor: waiting,
          nextCheckAt: at.toISOString(),
          ...base,
          polls,
          ...(lastStatus ? { lastStatus } : {}),
        }),
      *poll() {
        const status = yield* runCommand(context, command('lync.backupStatus'));
        // The agent may be slow: keep polling until the deadline.
        if (status.outcome === 'timedOut') return { done: false };
        if (status.outcome !== 'succeeded' || status.output === undefined)
          return {
            done: true,
            value: { outcome: status.outcome, ...(status.error ? { error: status.error } : {}) },
          };
        const out = status.output;
        lastStatus = { exportStatus: out.exportStatus, importStatus: out.importStatus };
        const sinceSyncMs = context.df.currentUtcDateTime.getTime() - syncedAt;
        const verdict = lync
          .get()
          .lyncStatusVerdict(out, input, { ...evidence, sinceSyncMs, cycleMs }, input);
        evidence = { moved: verdict.evidence.moved };
        if (verdict.verdict === 'inProgress') {
          waiting = `${input.module} on ${input.poolFqdn}: ${verdict.waiting}`;
          return { done: false };
        }
        return {
          done: true,
          value:
            verdict.verdict === 'done'
              ? { outcome: 'succeeded' as const }
              : { outcome: 'failed' as const, error: verdict.error },
        };
      },
    });
    if (!polled.done)
      return done({
        ...base,
        outcome: 'timedOut',
        polls: polled.polls,
        movedAfterSync: evidence.moved,
        ...(lastStatus ? { lastStatus } : {}),
        error: {
          code: 'timedOut',
          message: `${input.module} on ${input.poolFqdn} not done after ${Math.round(timeoutMs / 60_000)} minutes (${waiting})`,
        },
      });
    return done({
      ...base,
      ...polled.value,
      polls: polled.polls,
      movedAfterSync: evidence.moved,
      ...(lastStatus ? { lastStatus } : {}),
    });
  },
});
