import { activity } from '../kit';
import { plans } from '../names/plans';

/**
 * Writes a run's report (JSON and HTML) from the whole report or from the change since the run's
 * previous write applied to the stored one, its index entry and its plan's summary; the final write
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
    let full = report;
    if (final) {
      const { diffRuns } = await import('../../shared/plans/run');
      const summary = await store.readSummary(report.plan.name);
      const previous = summary?.recent.find(
        (r) => r.mode === report.mode && r.runId !== report.runId && r.requestedAt <= report.requestedAt,
      );
      const before = previous === undefined ? undefined : await store.readReport(previous.runId);
      if (before !== undefined) full = { ...report, changes: diffRuns(before, report) };
    }
    return store.writeReport(full, renderReportHtml(full));
  },
});
