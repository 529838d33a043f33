import type { Outcome, Problem } from '../outcome';
import type { RunMode } from './plan';
import type { CleanupReport, RunReport, RunState, StepReport, WaitReport } from './report';
import { isFinalState } from './report';

/**
 * The run report as one self-contained HTML page (issue 10, "The report"): inline CSS, no external
 * asset, no script, readable on a phone. Rendered from the report JSON alone, so the page stored
 * beside `report.json` and the one `GET /api/runs/{runId}/report.html` answers are the same.
 *
 * Every text that reaches the page is HTML-escaped: step summaries, errors and evidence come from
 * outside (agent output, ARM answers). A failed cleanup leaves something behind (a test VM), so it
 * is the page's first line. A correct refusal is not a failure: `refused` (and the states that end
 * as refused: rejected, expired, cancelled) is shown neutral, never red. Colour never carries
 * meaning alone: every badge says its word.
 *
 * Pure and fast: no clock (times are the report's own; "now" for a running step is `writtenAt`),
 * no I/O; a 200-step report renders in a few milliseconds (`npm run bench -- report`).
 */
export function renderReportHtml(report: RunReport): string {
  const mode = modeLabel(report.mode, report.failback);
  const title = `${report.plan.name} · ${mode} · ${report.runId}`;
  return [
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title><style>${CSS}</style></head><body><main>`,
    cleanupAlarm(report),
    header(report),
    objectives(report),
    roundTrip(report),
    people(report),
    alerts(report),
    timeline(report),
    groups(report),
    cleanups(report),
    changes(report),
    `<footer>Report written ${time(report.writtenAt)} · schema ${esc(String(report.schemaVersion))} · plan sha256 <code>${esc(report.plan.sha256)}</code></footer>`,
    '</main></body></html>\n',
  ].join('');
}

/** Cleanups that left something behind: ended other than succeeded, or never run although the run is over. */
export function failedCleanups(report: RunReport): CleanupReport[] {
  const over = isFinalState(report.state);
  return report.cleanup.filter((c) => (c.status === 'ended' ? c.outcome !== 'succeeded' : over));
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

const NEEDS_ESCAPE = /[&<>"']/;

/** Escapes a text for HTML content and quoted attribute values. */
function esc(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

function modeLabel(mode: RunMode, failback?: true): string {
  if (failback === true) return mode === 'drill' ? 'FAILBACK DRILL' : 'FAILBACK';
  return mode === 'drill' ? 'DRILL' : 'FAILOVER';
}

/**
 * A failback's round trip (issue 23): when production left (the failover), when it came back
 * (this run), and what was written on the standby meanwhile that the primary now has.
 */
function roundTrip(report: RunReport): string {
  const trip = report.roundTrip;
  if (report.failback !== true || trip === undefined) return '';
  const drill = report.mode === 'drill';
  const diffs = trip.differences.map((d) => {
    const items = d.changes.map((c) => `<li>${esc(c)}</li>`).join('');
    const more =
      d.changeCount > d.changes.length
        ? `<li>… ${esc(String(d.changeCount - d.changes.length))} more</li>`
        : '';
    return `<p>${esc(d.service)}: ${esc(String(d.changeCount))} change(s) between <code>${esc(d.from)}</code> and <code>${esc(d.to)}</code>${
      d.changeCount === 0
        ? ' (nothing was written on the standby)'
        : drill
          ? ', which the primary would get'
          : ', now on the primary'
    }</p>${items === '' ? '' : `<ul>${items}${more}</ul>`}`;
  });
  return [
    '<section><h2>Round trip</h2><dl class="facts">',
    fact(
      'Production left',
      trip.leftAt === undefined
        ? 'unknown'
        : `${time(trip.leftAt)} (failover <code>${esc(trip.leftRun ?? '')}</code>)`,
    ),
    fact(
      'Came back',
      trip.backAt !== undefined
        ? `${time(trip.backAt)} (this run)${trip.awayMinutes === undefined ? '' : `, after ${esc(String(trip.awayMinutes))} min on the standby`}`
        : drill
          ? 'not in a drill: production stays on the standby'
          : 'not yet: the standby still carries production',
    ),
    '</dl>',
    ...diffs,
    ...trip.notes.map((n) => `<p class="note">${esc(n)}</p>`),
    '</section>',
  ].join('');
}

/** The tone of an outcome badge: refused is neutral (a correct refusal is not a failure). */
function outcomeTone(outcome: Outcome): string {
  switch (outcome) {
    case 'succeeded':
      return 'ok';
    case 'partial':
      return 'warn';
    case 'failed':
    case 'timedOut':
      return 'bad';
    case 'refused':
      return 'neutral';
  }
}

const OUTCOME_WORDS: Record<Outcome, string> = {
  succeeded: 'succeeded',
  partial: 'partial',
  failed: 'failed',
  refused: 'refused',
  timedOut: 'timed out',
};

const STATE_WORDS: Record<RunState, string> = {
  pendingApproval: 'pending approval',
  waitingForDrill: 'waiting for the running drill to stop',
  running: 'running',
  cleaningUp: 'cleaning up',
  cancelling: 'cancelling (steps in flight, then the cleanups)',
  completed: 'completed',
  cancelled: 'cancelled',
  rejected: 'rejected',
  expired: 'expired (no approval in time)',
};

function badge(tone: string, word: string): string {
  return `<span class="badge ${tone}">${esc(word)}</span>`;
}

function outcomeBadge(outcome: Outcome): string {
  return badge(outcomeTone(outcome), OUTCOME_WORDS[outcome]);
}

/** A step's badge: its outcome once ended, else where it is. */
function stepBadge(step: StepReport): string {
  if (step.status === 'ended') return step.outcome ? outcomeBadge(step.outcome) : badge('neutral', 'ended');
  if (step.status === 'running') return badge('run', 'running');
  if (step.status === 'pending') return badge('idle', 'pending');
  return badge('neutral', step.status);
}

function problem(error: Problem | undefined): string {
  if (!error) return '';
  return `<p class="error"><strong>${esc(error.code)}</strong>: ${esc(error.message)}</p>`;
}

/** `2026-11-29T18:40:12.345Z` → `2026-11-29 18:40:12 UTC`; anything unparsable is shown as given. */
function time(iso: string | undefined): string {
  if (iso === undefined) return '—';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return esc(iso);
  const text = new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  return `<time datetime="${esc(iso)}">${text}</time>`;
}

/** A duration as a person reads it: `850 ms`, `45 s`, `8 min 12 s`, `1 h 05 min`. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const h = Math.floor(min / 60);
  return `${h} h ${String(min % 60).padStart(2, '0')} min`;
}

function minutes(value: number): string {
  return `${Number.isInteger(value) ? value : value.toFixed(1)} min`;
}

function stepDurationMs(step: StepReport, now: number): number | undefined {
  if (step.durationMs !== undefined) return step.durationMs;
  const start = parse(step.startedAt);
  if (start === undefined) return undefined;
  const end = parse(step.endedAt) ?? (step.status === 'running' ? now : undefined);
  return end === undefined ? undefined : Math.max(0, end - start);
}

function parse(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

function allSteps(report: RunReport): StepReport[] {
  return report.groups.flatMap((g) => g.steps);
}

function cleanupAlarm(report: RunReport): string {
  const failed = failedCleanups(report);
  if (failed.length === 0) return '';
  const lines = failed.map((c) => {
    const why =
      c.status === 'ended'
        ? (c.error?.message ?? c.detail ?? OUTCOME_WORDS[c.outcome ?? 'failed'])
        : 'cleanup never ran';
    return `<p>Cleanup failed: ${esc(c.description)} - ${esc(why)}</p>`;
  });
  return `<section class="alarm" role="alert">${lines.join('')}<p class="small">Remove what is listed by hand and check it is gone: the drill did not clean up after itself.</p></section>`;
}

function header(report: RunReport): string {
  const drill = report.mode === 'drill';
  const back = report.failback === true;
  const banner = drill
    ? `<div class="mode drill"><strong>${back ? 'FAILBACK DRILL' : 'DRILL'}</strong> — a rehearsal: drill variants only, production untouched</div>`
    : back
      ? '<div class="mode failover"><strong>FAILBACK</strong> — production comes home from the standby: this changes production</div>'
      : '<div class="mode failover"><strong>FAILOVER</strong> — a real recovery that changes production</div>';
  const final = isFinalState(report.state);
  const outcome = report.outcome
    ? outcomeBadge(report.outcome)
    : badge(final ? 'neutral' : 'run', 'no outcome yet');
  const progress = final
    ? ''
    : ` · ${esc(String(Math.round(report.percent)))}% done${
        report.currentGroup !== undefined
          ? ` · group ${report.currentGroup + 1} of ${report.groups.length}`
          : ''
      }`;
  const partial = final
    ? ''
    : `<p class="note">This report is partial: the run is ${esc(STATE_WORDS[report.state])}. It was written ${time(report.writtenAt)}.</p>`;
  return [
    `<header>${banner}<h1>${esc(report.plan.name)}</h1>`,
    `<p class="desc">${esc(report.plan.description)}</p>`,
    `<p class="status">Outcome ${outcome} · state <strong>${esc(STATE_WORDS[report.state])}</strong>${progress}</p>`,
    problem(report.error),
    partial,
    '<dl class="facts">',
    fact('Run', `<code>${esc(report.runId)}</code>`),
    fact('Mode', esc(modeLabel(report.mode, report.failback))),
    report.reason !== undefined ? fact('Reason', esc(report.reason)) : '',
    fact('Started', time(report.startedAt)),
    fact('Ended', time(report.endedAt)),
    fact('Report written', time(report.writtenAt)),
    '</dl></header>',
  ].join('');
}

function fact(term: string, html: string): string {
  return `<dt>${esc(term)}</dt><dd>${html}</dd>`;
}

function objective(
  name: string,
  o: { targetMinutes: number; achievedMinutes?: number; met?: boolean },
  note: string,
): string {
  const verdict =
    o.met === true
      ? badge('ok', 'met')
      : o.met === false
        ? badge('bad', 'missed')
        : badge('neutral', 'unknown');
  const achieved = o.achievedMinutes !== undefined ? minutes(o.achievedMinutes) : 'not known';
  return `<div class="card"><h3>${esc(name)} ${verdict}</h3><p class="big">${esc(achieved)} <span class="small">against target ${esc(minutes(o.targetMinutes))}</span></p>${note}</div>`;
}

function objectives(report: RunReport): string {
  const waited = (report.waits ?? []).map((w) => {
    const ms = (parse(w.to ?? report.writtenAt) ?? 0) - (parse(w.from) ?? 0);
    return `${esc(waitLabel(w.kind))}: ${esc(duration(Math.max(0, ms)))}${w.to === undefined ? ' so far' : ''} waiting for ${esc(w.what)}`;
  });
  const rtoNote = `<p class="small">From ${time(report.rtoStartAt)} to the last required step verified${
    waited.length === 0 ? '' : `, including the waits: ${waited.join('; ')}`
  }.</p>`;
  const rpoNote = `<p class="small">Age of the recovery point used${
    report.rpo.source !== undefined ? `: ${esc(report.rpo.source)}` : ''
  }.</p>`;
  return `<section><h2>Recovery objectives</h2><div class="cards">${objective(
    'RTO',
    report.rto,
    rtoNote,
  )}${objective('RPO', report.rpo, rpoNote)}</div></section>`;
}

function people(report: RunReport): string {
  const rows: string[] = [
    `<li>Requested by <strong>${esc(report.requestedBy ?? 'unknown')}</strong> at ${time(report.requestedAt)}</li>`,
  ];
  for (const a of report.approvals) {
    const who = a.by !== undefined ? ` by <strong>${esc(a.by)}</strong>` : '';
    const comment = a.comment !== undefined ? `: “${esc(a.comment)}”` : '';
    const tone = a.decision === 'approved' || a.decision === 'auto' ? 'ok' : 'neutral';
    rows.push(`<li>${badge(tone, a.decision)}${who} at ${time(a.at)}${comment}</li>`);
  }
  if (report.approvals.length === 0 && report.mode === 'failover')
    rows.push(
      `<li>Approval: ${esc(report.plan.approval === 'auto' ? 'automatic (plan says auto)' : 'none yet')}</li>`,
    );
  if (report.state === 'pendingApproval') {
    // How to decide, and until when (issue 21): a person who opens this report at 3 a.m. must not
    // have to look the routes up. Paths only: the function key or sign-in is the caller's.
    const id = encodeURIComponent(report.runId);
    rows.push(
      `<li><strong>Approve until ${report.approvalDeadline === undefined ? 'the approval timeout (not recorded)' : time(report.approvalDeadline)}</strong> (then the failover expires and nothing is changed): approve <code>POST /api/failovers/${esc(id)}/approve</code> · reject <code>POST /api/failovers/${esc(id)}/reject</code> · cancel <code>POST /api/runs/${esc(id)}/cancel</code></li>`,
    );
  }
  if (report.cancel) {
    const who = report.cancel.by !== undefined ? ` by <strong>${esc(report.cancel.by)}</strong>` : '';
    const why = report.cancel.reason !== undefined ? `: ${esc(report.cancel.reason)}` : '';
    rows.push(`<li>${badge('neutral', 'cancelled')}${who} at ${time(report.cancel.at)}${why}</li>`);
  }
  if (report.preemptedBy !== undefined)
    rows.push(`<li>Preempted by failover <code>${esc(report.preemptedBy)}</code></li>`);
  if (report.preempted !== undefined)
    rows.push(`<li>Preempted drill <code>${esc(report.preempted)}</code></li>`);
  return `<section><h2>Who and when</h2><ul class="plain">${rows.join('')}</ul></section>`;
}

function alerts(report: RunReport): string {
  if (report.alerts.length === 0) return '';
  const items = report.alerts.map((a) => {
    const parts = [
      `<strong>${esc(a.rule)}</strong>`,
      a.severity !== undefined ? esc(a.severity) : '',
      esc(a.monitorCondition),
      a.firedDateTime !== undefined ? `fired ${time(a.firedDateTime)}` : '',
      a.resolvedDateTime !== undefined ? `resolved ${time(a.resolvedDateTime)}` : '',
      `received ${time(a.receivedAt)}`,
    ].filter((p) => p !== '');
    const targets =
      a.targetIds && a.targetIds.length > 0
        ? `<br><span class="small">Targets: ${a.targetIds.map((t) => `<code>${esc(t)}</code>`).join(', ')}</span>`
        : '';
    return `<li>${parts.join(' · ')}<br><span class="small">Alert <code>${esc(a.alertId)}</code></span>${targets}</li>`;
  });
  const c = report.alertCounts;
  const counts =
    c === undefined
      ? ''
      : `<p class="small">${c.total} alert(s) attached (${c.fired} Fired, ${c.resolved} of them resolved)${c.listed < c.total ? `; the first and last ${c.listed} listed` : ''}.</p>`;
  return `<section><h2>Alerts</h2>${counts}<ul class="plain">${items.join('')}</ul></section>`;
}

/** One bar per step, positioned on the run's span; the critical path marked. */
function timeline(report: RunReport): string {
  const steps = allSteps(report);
  const now = parse(report.writtenAt) ?? 0;
  const starts = steps.map((s) => parse(s.startedAt)).filter((t): t is number => t !== undefined);
  // Waits (approval, a preempted drill's cleanup) come before the steps: they are on the timeline too.
  const waits = (report.waits ?? []).map((w) => ({ w, from: parse(w.from), to: parse(w.to) ?? now }));
  const t0 = Math.min(
    parse(report.startedAt) ?? Infinity,
    ...starts,
    ...(starts.length === 0 ? [] : waits.map((x) => x.from ?? Infinity)),
  );
  const ends = steps.map((s) => parse(s.endedAt) ?? (s.status === 'running' ? now : undefined));
  const t1 = Math.max(
    parse(report.endedAt) ?? -Infinity,
    ...ends.filter((t): t is number => t !== undefined),
    ...starts,
    ...waits.map((x) => x.to),
  );
  if (!Number.isFinite(t0)) return '<section><h2>Timeline</h2><p>No step has started yet.</p></section>';
  const span = Math.max(t1 - t0, 1);
  const pct = (t: number) => Math.min(100, Math.max(0, ((t - t0) / span) * 100));
  const rows = steps.map((s) => {
    const start = parse(s.startedAt);
    const ms = stepDurationMs(s, now);
    const label = `<span class="tl-name">${esc(s.id)}${s.critical ? ' <span class="crit">◆ critical path</span>' : ''}</span>`;
    let bar = '';
    let info = esc(s.status);
    if (start !== undefined) {
      const end = start + (ms ?? 0);
      const left = pct(start);
      const width = Math.max(pct(end) - left, 0.6);
      const tone =
        s.status === 'ended' && s.outcome
          ? outcomeTone(s.outcome)
          : s.status === 'running'
            ? 'run'
            : 'neutral';
      bar = `<span class="bar ${tone}${s.critical ? ' critical' : ''}" style="left:${left.toFixed(2)}%;width:${Math.min(width, 100 - left).toFixed(2)}%"></span>`;
      info = ms !== undefined ? `${duration(ms)}${s.status === 'running' ? ' so far' : ''}` : esc(s.status);
    }
    return `<li class="tl-row">${label}<span class="tl-track">${bar}</span><span class="tl-dur">${info}</span></li>`;
  });
  const waitRows = waits.map(({ w, from, to }) => {
    const left = pct(from ?? t0);
    const width = Math.max(pct(to) - left, 0.6);
    const label = `<span class="tl-name">waiting: ${esc(waitLabel(w.kind))}</span>`;
    const bar = `<span class="bar neutral" style="left:${left.toFixed(2)}%;width:${Math.min(width, 100 - left).toFixed(2)}%"></span>`;
    const info = `${duration(Math.max(0, to - (from ?? to)))}${w.to === undefined ? ' so far' : ''}`;
    return `<li class="tl-row" title="${esc(w.what)}">${label}<span class="tl-track">${bar}</span><span class="tl-dur">${info}</span></li>`;
  });
  rows.unshift(...waitRows);
  return [
    '<section><h2>Timeline</h2>',
    `<p class="small">${time(new Date(t0).toISOString())} → ${time(new Date(t1).toISOString())} (${duration(t1 - t0)}). `,
    'Bars are placed on the run’s span; <span class="crit">◆ critical path</span>: the longest step of each group.</p>',
    `<ol class="tl">${rows.join('')}</ol></section>`,
  ].join('');
}

function groups(report: RunReport): string {
  const now = parse(report.writtenAt) ?? 0;
  const sections = report.groups.map((g, gi) => {
    const current =
      report.currentGroup === gi && !isFinalState(report.state) ? ' <span class="badge run">now</span>' : '';
    const steps = g.steps.map((s) => step(s, now)).join('');
    return `<section class="group"><h3>Group ${gi + 1}: ${esc(g.name)}${current}</h3>${steps}</section>`;
  });
  return `<section><h2>Steps</h2>${sections.join('')}</section>`;
}

function step(s: StepReport, now: number): string {
  const ms = stepDurationMs(s, now);
  const when =
    s.startedAt !== undefined
      ? `${time(s.startedAt)} → ${s.endedAt !== undefined ? time(s.endedAt) : esc(s.status)}${ms !== undefined ? ` (${duration(ms)})` : ''}`
      : esc(s.status === 'pending' ? 'not started' : s.status);
  const evidence =
    s.evidence && Object.keys(s.evidence).length > 0
      ? `<details open><summary>Evidence</summary>${value(s.evidence, 0)}</details>`
      : '';
  return [
    `<article class="step${s.status === 'ended' && s.outcome ? ` ${outcomeTone(s.outcome)}` : ''}">`,
    `<h4>${stepBadge(s)} <code>${esc(s.id)}</code> ${esc(s.kind)} <span class="small">(${esc(s.variant)} variant)</span>`,
    s.critical ? ' <span class="crit">◆ critical path</span>' : '',
    '</h4>',
    `<p class="small">${esc(s.target)} · ${when} · on failure: ${esc(s.onFailure)} · timeout ${esc(String(s.timeoutMinutes))} min</p>`,
    s.summary !== undefined ? `<p>${esc(s.summary)}</p>` : '',
    manual(s),
    problem(s.error),
    evidence,
    '</article>',
  ].join('');
}

/** A wait's kind in words. */
function waitLabel(kind: WaitReport['kind']): string {
  return kind === 'approval' ? 'approval' : kind === 'manualStep' ? 'manual step' : 'preempted drill';
}

/** A manual step's instructions, and while it waits, how and until when to confirm it. */
function manual(s: StepReport): string {
  if (s.manual === undefined) return '';
  const m = s.manual;
  const waiting =
    s.status === 'running' && m.waits && m.done !== undefined && m.abort !== undefined
      ? `<p class="small">Waiting for a person until ${m.deadline === undefined ? '?' : time(m.deadline)}: <code>POST ${esc(m.done)}</code> or <code>POST ${esc(m.abort)}</code></p>`
      : '';
  return `<blockquote class="instructions">${esc(m.instructions)}</blockquote>${waiting}${
    s.skipped === undefined ? '' : `<p class="small">Skipped: ${esc(s.skipped)}</p>`
  }`;
}

/** `backupTakenAt` → `backup taken at`; `vmName` → `vm name`; other keys as they are. */
function humanKey(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
}

function isPlain(v: unknown): boolean {
  return v === null || v === undefined || typeof v !== 'object';
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') {
    if (v === '') return '“”';
    // Times in evidence as the rest of the report shows them.
    return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z$/.test(v) ? time(v) : esc(v);
  }
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return esc(String(v));
  return esc(JSON.stringify(v) ?? '');
}

const MAX_DEPTH = 6;

/**
 * Evidence of any shape as readable HTML: objects as key/value lists, arrays of like objects (a
 * step's VMs) as a table, arrays of plain values as a comma list. Deeper than {@link MAX_DEPTH}
 * falls back to escaped JSON.
 */
function value(v: unknown, depth: number): string {
  if (isPlain(v)) return scalar(v);
  if (depth >= MAX_DEPTH) return `<code>${esc(JSON.stringify(v) ?? '')}</code>`;
  if (Array.isArray(v)) {
    if (v.length === 0) return '<span class="small">none</span>';
    if (v.every(isPlain)) return v.map(scalar).join(', ');
    if (v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x))) {
      const rows = v as Record<string, unknown>[];
      const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
      const head = columns.map((c) => `<th>${esc(humanKey(c))}</th>`).join('');
      const body = rows
        .map(
          (r) =>
            `<tr>${columns.map((c) => `<td><span class="lbl">${esc(humanKey(c))}</span>${value(r[c], depth + 1)}</td>`).join('')}</tr>`,
        )
        .join('');
      return `<div class="scroll"><table class="rows"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
    }
    return `<ol class="ev-list">${v.map((x) => `<li>${value(x, depth + 1)}</li>`).join('')}</ol>`;
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return '<span class="small">none</span>';
  return `<dl class="kv">${entries.map(([k, x]) => `<dt>${esc(humanKey(k))}</dt><dd>${value(x, depth + 1)}</dd>`).join('')}</dl>`;
}

function cleanups(report: RunReport): string {
  if (report.cleanup.length === 0)
    return '<section><h2>Cleanup</h2><p>Nothing to clean up: no step created anything.</p></section>';
  const over = isFinalState(report.state);
  const items = report.cleanup.map((c) => {
    const result =
      c.status === 'ended'
        ? c.outcome
          ? outcomeBadge(c.outcome)
          : badge('neutral', 'ended')
        : over
          ? badge('bad', 'never ran')
          : badge('idle', 'pending');
    const detail = c.detail !== undefined ? ` · ${esc(c.detail)}` : '';
    const ended = c.endedAt !== undefined ? ` · ended ${time(c.endedAt)}` : '';
    return [
      `<li>${result} ${esc(c.description)}${detail}`,
      problem(c.error),
      `<div class="small">step <code>${esc(c.stepId)}</code> · registered ${time(c.registeredAt)}${ended}</div></li>`,
    ].join('');
  });
  return `<section><h2>Cleanup</h2><p class="small">Run in reverse order of registration, after the last group, a failed step or a cancel.</p><ul class="plain cleanup">${items.join('')}</ul></section>`;
}

function changes(report: RunReport): string {
  const c = report.changes;
  if (!c)
    return `<section><h2>Since the previous run</h2><p>No previous ${esc(report.mode)} of this plan to compare with.</p></section>`;
  const items: string[] = [];
  for (const id of c.added) items.push(`<li>Step added: <code>${esc(id)}</code></li>`);
  for (const id of c.removed) items.push(`<li>Step removed: <code>${esc(id)}</code></li>`);
  for (const o of c.outcomeChanged)
    items.push(`<li>Outcome of <code>${esc(o.id)}</code> changed: ${esc(o.from)} → ${esc(o.to)}</li>`);
  const body =
    items.length > 0
      ? `<ul class="plain">${items.join('')}</ul>`
      : '<p>Nothing changed: same steps, same outcomes.</p>';
  return `<section><h2>Since the previous run</h2><p class="small">Compared with run <code>${esc(c.previousRunId)}</code>.</p>${body}</section>`;
}

/** System fonts only (no external asset); the layout collapses to one column on a phone. */
const CSS = [
  ':root{color-scheme:light;--ok:#1b7f3b;--bad:#b3261e;--warn:#9a6700;--neutral:#57606a;--run:#0b5cad;--line:#d0d7de}',
  '*{box-sizing:border-box}',
  'body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#f6f8fa}',
  'main{max-width:980px;margin:0 auto;padding:12px;overflow-wrap:anywhere}',
  'h1{font-size:1.6rem;margin:.4rem 0}h2{font-size:1.2rem;margin:1.4rem 0 .5rem;border-bottom:1px solid var(--line)}',
  'h3{font-size:1.05rem;margin:.8rem 0 .4rem}h4{font-size:1rem;margin:0 0 .3rem;font-weight:600}',
  'code{font:.85em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eaeef2;padding:0 .25em;border-radius:4px}',
  '.small{font-size:.85rem;color:#57606a}',
  '.alarm{background:var(--bad);color:#fff;padding:10px 14px;border-radius:8px;font-weight:700}',
  '.alarm p{margin:.2rem 0}.alarm .small{color:#fff;font-weight:400}',
  '.mode{padding:8px 12px;border-radius:8px;font-size:1.05rem;margin-top:8px}',
  '.mode strong{font-size:1.3rem;letter-spacing:.08em;margin-right:.3em}',
  '.mode.drill{background:#ddf4ff;border:2px dashed var(--run);color:#0a3069}',
  '.mode.failover{background:#ffebe9;border:3px solid var(--bad);color:#82071e}',
  '.badge{display:inline-block;padding:0 .5em;border-radius:1em;font-size:.8rem;font-weight:600;border:1px solid;white-space:nowrap;vertical-align:.1em}',
  '.badge.ok{color:var(--ok);background:#dafbe1}.badge.bad{color:var(--bad);background:#ffebe9}',
  '.badge.warn{color:var(--warn);background:#fff8c5}.badge.neutral{color:var(--neutral);background:#eaeef2}',
  '.badge.run{color:var(--run);background:#ddf4ff}.badge.idle{color:var(--neutral);background:#fff;border-style:dashed}',
  '.error{color:var(--bad);margin:.3rem 0}',
  '.note{background:#fff8c5;padding:6px 10px;border-radius:6px}',
  '.facts,.kv{display:grid;grid-template-columns:minmax(0,max-content) 1fr;gap:2px 12px;margin:.5rem 0}.kv .kv{margin:0}',
  '.facts dt,.kv dt{color:#57606a}.facts dd,.kv dd{margin:0;min-width:0}',
  '.kv{font-size:.92rem}',
  '.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:10px}',
  '.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 12px}.card h3{margin:0}',
  '.big{font-size:1.4rem;font-weight:700;margin:.2rem 0}.card p{margin:.2rem 0}',
  'ul.plain{list-style:none;padding:0;margin:0}ul.plain li{padding:4px 0;border-bottom:1px solid #eaeef2}',
  '.tl{list-style:none;padding:0;margin:0}',
  '.tl-row{display:grid;grid-template-columns:minmax(8rem,14rem) 1fr 7rem;gap:8px;align-items:center;padding:3px 0;border-bottom:1px solid #eaeef2}',
  '.tl-name{font-family:ui-monospace,monospace;font-size:.85rem}',
  '.tl-track{position:relative;height:14px;background:#eaeef2;border-radius:3px}',
  '.bar{position:absolute;top:0;bottom:0;border-radius:3px;background:var(--neutral)}',
  '.bar.ok{background:var(--ok)}.bar.bad{background:var(--bad)}.bar.warn{background:var(--warn)}',
  '.bar.run{background:repeating-linear-gradient(45deg,var(--run),var(--run) 6px,#6cb6ff 6px,#6cb6ff 12px)}',
  '.bar.critical{outline:2px solid #1f2328;outline-offset:1px}',
  '.tl-dur{font-size:.85rem;text-align:right;white-space:nowrap}',
  '.crit{color:#8250df;font-size:.8rem;font-weight:600;white-space:nowrap}',
  '.step{background:#fff;border:1px solid var(--line);border-left:5px solid var(--line);border-radius:6px;padding:8px 10px;margin:8px 0}',
  '.step.ok{border-left-color:var(--ok)}.step.bad{border-left-color:var(--bad)}.step.warn{border-left-color:var(--warn)}',
  '.step.neutral{border-left-color:var(--neutral)}.step p{margin:.25rem 0}',
  'details summary{cursor:pointer;color:#57606a;font-size:.9rem}',
  'blockquote.instructions{white-space:pre-wrap;margin:.5rem 0;padding:.5rem .75rem;border-left:3px solid #9a6700;background:#fff8c5}',
  '.scroll{overflow-x:auto;max-width:100%}',
  'table{border-collapse:collapse;font-size:.9rem;background:#fff}th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}',
  '.lbl{display:none}th,td{overflow-wrap:normal}th{background:#f6f8fa}ol.ev-list{margin:0;padding-left:1.3em}',
  'footer{margin:2rem 0 1rem;font-size:.8rem;color:#57606a}',
  '@media (max-width:600px){main{padding:8px}.tl-row{grid-template-columns:1fr auto}.tl-track{grid-column:1/-1;grid-row:2}',
  'h1{font-size:1.35rem}',
  // On a phone a table of records (a step's VMs) becomes one card per record, each value labelled.
  'table.rows thead{display:none}table.rows,table.rows tbody,table.rows tr{display:block}',
  'table.rows tr{border:1px solid var(--line);margin-bottom:6px}table.rows td{display:flex;gap:8px;border:0;padding:1px 6px}',
  'table.rows .lbl{display:block;flex:0 0 42%;color:#57606a}}',
].join('');
