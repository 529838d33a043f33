import { activity } from '../kit';
import { plans } from '../names/plans';

/**
 * Writes a run's report (JSON and HTML) from the whole report or from the change since the run's
 * previous write applied to the stored one, with the alerts attached so far (their summary), its
 * index entry and its plan's summary; the final write
 * also records what changed since the plan's previous run of the same mode. Returns the sha256
 * of the stored JSON.
 */
activity(plans.writePlanReport, {
  input: async () => (await import('../../shared/plans/flow')).writePlanReportInputSchema,
  handler: async (input) => {
    const { planDeps } = await import('../../shared/plans/deps');
    const { renderReportHtml } = await import('../../shared/plans/reportHtml');
    const { store } = await planDeps();
    const { final } = input;
    let report;
    if ('report' in input) report = input.report;
    else {
      const { applyReportChange } = await import('../../shared/plans/reportChange');
      report = applyReportChange(await store.readReport(input.runId), input.change);
      if (report.runId !== input.runId)
        throw new RangeError(`the report change for run '${input.runId}' does not fit the stored report`);
    }
    // Alerts are attached outside the report (O(1) each, issue 20): the report written carries
    // their summary as of now (counts, first and last alerts).
    const { alertStore } = await import('../../shared/alerts/storage');
    const { reportWithAttached } = await import('../../shared/alerts/attached');
    let full = reportWithAttached(report, await (await alertStore()).attached(report.runId));
    if (final) {
      const { diffRuns } = await import('../../shared/plans/run');
      const summary = await store.readSummary(report.plan.name);
      const previous = summary?.recent.find(
        (r) =>
          r.mode === report.mode &&
          // A failback compares with the previous failback, a failover with the previous failover.
          (r.failback === true) === (report.failback === true) &&
          r.runId !== report.runId &&
          r.requestedAt <= report.requestedAt,
      );
      const before = previous === undefined ? undefined : await store.readReport(previous.runId);
      if (before !== undefined) full = { ...full, changes: diffRuns(before, full) };
    }
    return store.writeReport(full, renderReportHtml(full));
  },
});
