import type { Colour, Light, PlanStatus, RunLine, ServiceStatus, SiteStatus, StatusReport } from './model';
import { humanDuration } from './model';
import { utcText } from './colour';

/**
 * The status page (`GET /api/status.html`): one self-contained HTML document rendered from the
 * status report alone. No script, no external asset (inline CSS), readable on a phone (one column
 * under 40 rem), every text escaped. Each colour is also written out as a word.
 */

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string | number | null | undefined): string {
  return String(text ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const e = escapeHtml;

const WORD: Readonly<Record<Colour, string>> = {
  green: 'GREEN',
  amber: 'AMBER',
  red: 'RED',
  unknown: 'UNKNOWN',
};

/** Alert decisions as words (never the code's camelCase). */
const DECISION_WORDS: Readonly<Record<string, string>> = {
  started: 'started',
  attached: 'attached',
  duplicate: 'duplicate',
  ignored: 'ignored',
  refused: 'refused',
  cancelledPending: 'cancelled pending failover',
  recorded: 'recorded',
  rejected: 'rejected',
};

function badge(colour: Colour, text = WORD[colour]): string {
  return `<span class="badge ${colour}">${e(text)}</span>`;
}

function row(label: string, l: Light, detail = ''): string {
  return `<li class="${l.colour}">${badge(l.colour)} <b>${e(label)}</b>: ${e(l.reason)}${detail === '' ? '' : ` <span class="muted">${detail}</span>`}</li>`;
}

/** A report link: only the app's own report route (a summary blob could hold anything). */
function reportHref(r: RunLine): string {
  return /^\/api\/runs\/[\w.:@-]+\/report\.html$/.test(r.reportUri)
    ? r.reportUri
    : `/api/runs/${encodeURIComponent(r.runId)}/report.html`;
}

function until(isoText: string, now: Date): string {
  const t = Date.parse(isoText);
  if (Number.isNaN(t)) return e(isoText);
  const left = t - now.getTime();
  return `${e(utcText(isoText))} (${left > 0 ? `in ${e(humanDuration(left))}` : `${e(humanDuration(-left))} ago`})`;
}

function when(isoText: string | null, now: Date): string {
  if (isoText === null) return 'never';
  const t = Date.parse(isoText);
  if (Number.isNaN(t)) return e(isoText);
  return `${e(utcText(isoText))} (${e(humanDuration(now.getTime() - t))} ago)`;
}

function service(s: ServiceStatus, now: Date): string {
  const b = s.backup;
  const backupDetail =
    b.newestVerified === null
      ? ''
      : `${e(b.newestVerified.name)}, taken ${when(b.newestVerified.takenAt, now)}; source: ${e(b.source)}`;
  const run = s.lastRun;
  const runDetail = run.startedAt === null ? '' : `started ${when(run.startedAt, now)}`;
  const rv = s.restoreVerification;
  const rvDetail =
    rv.last === null
      ? ''
      : `last: ${e(rv.last.outcome)} into ${e(rv.last.target)} ${when(rv.last.at, now)} (${e(rv.last.backup)})`;
  const targets = s.targets.map((t) =>
    row(
      t.role === 'standby' ? `Standby ${t.name}` : `Drill target ${t.name}`,
      t,
      t.checkedAt === null ? '' : `checked ${when(t.checkedAt, now)}`,
    ),
  );
  return `<section class="card ${s.colour}" id="service-${e(s.service)}">
<h3>${badge(s.colour)} ${e(s.service)}</h3>
<p class="why">${e(s.reason)}</p>
<ul>
${row('Backup', b, backupDetail)}
${row('Last run', run, runDetail)}
${row('Restore verification', rv, rvDetail)}
${targets.join('\n')}
${s.targets.some((t) => t.role === 'standby') ? '' : `<li class="amber">${badge('amber')} <b>Standby</b>: none configured</li>`}
</ul>
</section>`;
}

function site(s: SiteStatus, now: Date): string {
  const rtt =
    s.rttMs.length === 0 ? 'none yet' : s.rttMs.map((r) => (r === null ? '–' : `${r} ms`)).join(', ');
  const num = (n: number | null, missing: string) =>
    n === null ? `<span class="muted">${e(missing)}</span>` : e(n);
  return `<section class="card ${s.colour}" id="site-${e(s.site)}">
<h3>${badge(s.colour)} Site ${e(s.site)}</h3>
<p class="why">${e(s.reason)}</p>
<dl>
<dt>Agent last seen</dt><dd>${when(s.lastSeenAt, now)}</dd>
<dt>Agent</dt><dd>${s.agentId === null ? '<span class="muted">unknown</span>' : `${e(s.agentId)} ${e(s.version ?? '')} (${e(s.executor ?? '')})`}</dd>
<dt>Round trips</dt><dd>${e(rtt)}</dd>
<dt>Commands in flight</dt><dd>${num(s.inFlight, 'unknown')}</dd>
<dt>Command queue</dt><dd>${num(s.queueDepth, 'queue not created yet')}</dd>
<dt>Poison queue</dt><dd>${num(s.poisonCount, 'none')}</dd>
</dl>
</section>`;
}

function runText(r: RunLine): string {
  const rto =
    r.rto.achievedMinutes === null
      ? `RTO target ${r.rto.targetMinutes} min`
      : `RTO ${r.rto.achievedMinutes} min of ${r.rto.targetMinutes} min${r.rto.met === false ? ' (missed)' : ''}`;
  return `${e(r.mode)} ${e(r.runId)}: ${e(r.state)}${r.outcome === null ? '' : `, ${e(r.outcome)}`}; ${e(rto)} · <a href="${e(reportHref(r))}">report</a>`;
}

function plan(p: PlanStatus, now: Date): string {
  const drill =
    p.lastDrill === null
      ? `<li class="amber">${badge('amber')} <b>Last drill</b>: never</li>`
      : row(
          'Last drill',
          p.lastDrill,
          `${when(p.lastDrill.endedAt ?? p.lastDrill.startedAt ?? p.lastDrill.requestedAt, now)} · ${runText(p.lastDrill)}`,
        );
  const progress = p.inProgress.map(
    (r) =>
      `<li>${badge('green', `${r.percent}%`)} <b>In progress</b>: ${runText(r)} <progress max="100" value="${e(r.percent)}">${e(r.percent)}%</progress></li>`,
  );
  const approvals = p.pendingApprovals.map(
    (r) =>
      `<li class="amber">${badge('amber', 'APPROVAL')} <b>Failover ${e(r.runId)} waits for approval</b> (see the top of the page)</li>`,
  );
  return `<section class="card ${p.colour}" id="plan-${e(p.plan)}">
<h3>${badge(p.colour)} Plan ${e(p.plan)}</h3>
<p class="why">${e(p.reason)}</p>
<ul>
${approvals.join('\n')}
${drill}
${progress.join('\n')}
${p.lastFailover === null ? '' : row('Last failover', p.lastFailover, runText(p.lastFailover))}
</ul>
</section>`;
}

const CSS = `
*{box-sizing:border-box}
body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:1rem;color:#1b1b1b;background:#f6f7f9;max-width:120rem;margin-inline:auto;overflow-wrap:anywhere}
h1{font-size:1.4rem;margin:.2rem 0 .6rem}
h2{font-size:1.15rem;margin:1.4rem 0 .5rem}
h3{font-size:1.05rem;margin:0 0 .3rem}
.answer{padding:1rem;border-radius:.6rem;border:3px solid #999;background:#fff}
.approvals{list-style:none;padding:0;margin:0 0 .8rem}.approval{border:2px solid #b36b00;border-radius:.5rem;padding:.6rem;margin:.4rem 0}
.cmds{display:grid;gap:.5rem;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr))}.cmd{min-width:0}
.answer .big{font-size:1.6rem;font-weight:700}
.grid{display:grid;gap:.8rem;grid-template-columns:repeat(auto-fit,minmax(min(100%,24rem),1fr))}
.grid>*{min-width:0}
.card{background:#fff;border-radius:.6rem;padding:.8rem;border-left:.5rem solid #999;overflow-wrap:anywhere}
.card.red,.answer.red{border-color:#b00020}
.card.amber,.answer.amber{border-color:#b36b00}
.card.green,.answer.green{border-color:#1e7b34}
.card.unknown,.answer.unknown{border-color:#6b6b6b}
.badge{display:inline-block;font-size:.75rem;font-weight:700;padding:.05rem .4rem;border-radius:.3rem;color:#fff;background:#6b6b6b;vertical-align:middle}
.badge.red{background:#b00020}.badge.amber{background:#8a5300}.badge.green{background:#1e7b34}
ul{padding-left:1rem;margin:.3rem 0}li{margin:.25rem 0}
.why{margin:.2rem 0 .4rem;font-weight:600}
.muted{color:#555}
dl{display:grid;grid-template-columns:auto 1fr;gap:.1rem .6rem;margin:.3rem 0}dt{color:#555}dd{margin:0}
pre,code{font:.85rem/1.3 ui-monospace,Menlo,Consolas,monospace;background:#eef0f3;border-radius:.3rem}
pre{padding:.4rem;white-space:pre-wrap;overflow-wrap:anywhere;margin:.3rem 0}
code{padding:0 .2rem}
progress{width:100%}
footer{margin-top:1.5rem;font-size:.85rem;color:#555}
@media (max-width:40rem){body{padding:.6rem}.grid{grid-template-columns:1fr}}
`;

/** A failover waiting for approval: who asked, why, since and until when, and the three commands side by side. */
function approval(a: StatusReport['canRecover']['pendingApprovals'][number], now: Date): string {
  const cmd = (label: string, c: { method: string; path: string; curl: string }) =>
    `<div class="cmd"><b>${e(label)}</b> <code>${e(c.method)} ${e(c.path)}</code><pre>${e(c.curl)}</pre></div>`;
  return `<li class="amber approval">${badge('amber', 'APPROVAL NEEDED')} <b>${a.failback === true ? 'Failback' : 'Failover'} ${e(a.runId)}</b> of plan ${e(a.plan)}
<dl>
<dt>Asked by</dt><dd>${a.requestedBy === null ? '<span class="muted">not recorded</span>' : e(a.requestedBy)}</dd>
<dt>Why</dt><dd>${a.reason === null ? '<span class="muted">no reason given</span>' : e(a.reason)}</dd>
<dt>Asked</dt><dd>${when(a.requestedAt, now)}</dd>
<dt>Expires</dt><dd>${a.expiresAt === null ? '<span class="muted">not recorded</span>' : until(a.expiresAt, now)}</dd>
</dl>
<div class="cmds">${cmd('Approve', a.approve)}${cmd('Reject', a.reject)}${cmd('Cancel', a.cancel)}</div>
<a href="${e(reportHref(a))}">report</a></li>`;
}

/** Renders the status page. */
export function renderStatusHtml(report: StatusReport): string {
  const now = new Date(report.generatedAt);
  const a = report.canRecover;
  const reasons = a.reasons.map(
    (r) => `<li class="${r.colour}">${badge(r.colour)} <b>${e(r.item)}</b>: ${e(r.reason)}</li>`,
  );
  const sections: string[] = [];
  sections.push(
    `<h2>Protected services</h2>${
      report.services.length === 0
        ? '<p class="muted">No protected service is configured (LIFEBOAT_PROTECTED_SERVICES).</p>'
        : `<div class="grid">${report.services.map((s) => service(s, now)).join('\n')}</div>`
    }`,
  );
  // Usage analytics are not in backups: their newest export, per service (no colour: not needed to recover).
  if (report.usageExports !== undefined && report.usageExports.length > 0)
    sections.push(
      `<h2>APIM usage exports</h2><ul id="usage-exports">${report.usageExports
        .map((u) => `<li><b>${e(u.service)}</b>: ${e(u.text)}</li>`)
        .join('')}</ul>`,
    );
  sections.push(
    `<h2>Sites</h2>${
      report.sites.length === 0
        ? '<p class="muted">No site is configured (LIFEBOAT_RELAY_SITES).</p>'
        : `<div class="grid">${report.sites.map((s) => site(s, now)).join('\n')}</div>`
    }<p class="muted">Heartbeat every ${e(humanDuration(report.heartbeatIntervalSeconds * 1000))}; a site not heard from for two intervals is red. ${badge(report.relay.colour)} ${e(report.relay.reason)}.</p>`,
  );
  if (report.plans !== undefined)
    sections.push(
      `<h2>Recovery plans</h2>${
        report.plans.length === 0
          ? '<p class="muted">The plans folder holds no plan.</p>'
          : `<div class="grid">${report.plans.map((p) => plan(p, now)).join('\n')}</div>`
      }`,
    );
  if (report.standbys !== undefined && report.standbys.length > 0)
    sections.push(
      `<h2>Standbys</h2><ul>${report.standbys
        .map(
          (s) =>
            `<li class="${s.colour}">${badge(s.colour)} <b>${e(s.service)}</b> → ${e(s.standby)}: ${e(s.reason)}</li>`,
        )
        .join('\n')}</ul>`,
    );
  if (report.alerts !== undefined)
    sections.push(
      `<h2>Recent alerts</h2>${
        report.alerts.length === 0
          ? '<p class="muted">No alert recorded.</p>'
          : `<ul>${report.alerts
              .map(
                (x) =>
                  `<li class="${x.colour}">${badge(x.colour, DECISION_WORDS[x.decision] ?? x.decision)} ${when(x.decidedAt, now)} · ${e(x.rule ?? x.alertId)}${x.monitorCondition === null ? '' : ` (${e(x.monitorCondition)})`}${x.plan === null ? '' : ` → plan ${e(x.plan)}`}${x.runId === null ? '' : `, run ${e(x.runId)}`}: ${e(x.reason)}</li>`,
              )
              .join('\n')}</ul>`
      }`,
    );
  const unknowns =
    report.unknowns.length === 0
      ? ''
      : `<h2>Not known</h2><p class="muted">These are not recorded yet; they are shown grey, never green.</p><ul>${report.unknowns.map((u) => `<li>${e(u)}</li>`).join('')}</ul>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Lifeboat status: ${e(a.headline)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>Lifeboat status</h1>
<section class="answer ${a.colour}" id="answer">
${a.pendingApprovals.length === 0 ? '' : `<ul class="approvals">${a.pendingApprovals.map((x) => approval(x, now)).join('\n')}</ul>`}
<div>Can we recover now?</div>
<div class="big">${badge(a.colour)} ${e(a.headline)}</div>
${a.notes.map((n) => `<p class="note">${badge('amber', 'NOTE')} ${e(n)}</p>`).join('\n')}
${reasons.length === 0 ? '<p>Every item is green.</p>' : `<ul>${reasons.join('\n')}</ul>`}
</section>
${sections.join('\n')}
${unknowns}
<footer>Generated ${e(utcText(report.generatedAt))} · JSON: <code>GET /api/status</code> · links need your function key (<code>?code=</code>) unless App Service Authentication is on.</footer>
</main>
</body>
</html>
`;
}
