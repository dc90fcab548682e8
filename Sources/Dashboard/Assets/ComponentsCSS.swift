// Cards, tables, badges, charts, forms and buttons.
extension DashboardAssets {
    static let componentsCSS = #"""
/* Vigil dashboard: cards, tables, badges, charts, forms, buttons. */
.card { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 16px; margin-bottom: var(--gap); min-width: 0; }
.card > h2 { display: flex; justify-content: space-between; align-items: baseline; gap: 8px; }
.card > h2 .muted { font-weight: 400; font-size: .82rem; }
.tile { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 12px 14px; }
.tile .value { font-size: 1.6rem; font-weight: 650; }
.tile .label { color: var(--muted); font-size: .82rem; }
.tile.bad .value { color: var(--red); }
.tile.good .value { color: var(--green); }
.notice { background: #fff7e0; border: 1px solid #f0d58c; border-radius: var(--radius); padding: 10px 14px; margin-bottom: var(--gap); }
.error-box { background: #fdecec; border: 1px solid #f2b8b8; color: #8a1c1c; border-radius: var(--radius); padding: 10px 14px; margin-bottom: var(--gap); }
.unavailable { color: var(--muted); font-style: italic; }

.table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: .78rem; text-transform: uppercase; letter-spacing: .03em; white-space: nowrap; }
tr:last-child td { border-bottom: 0; }
td .details { display: block; min-width: 260px; max-width: 480px; overflow-wrap: anywhere; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.flash td { animation: flash 2s ease-out; }
@keyframes flash { from { background: #fff3b0; } to { background: transparent; } }

.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: .78rem; font-weight: 600; color: #ffffff; background: var(--grey); white-space: nowrap; }
.badge.st-available { background: var(--green); }
.badge.st-charging, .badge.st-occupied { background: var(--blue); }
.badge.st-preparing, .badge.st-suspendedev, .badge.st-suspendedevse, .badge.st-finishing { background: var(--teal); }
.badge.st-reserved { background: var(--purple); }
.badge.st-unavailable { background: var(--grey); }
.badge.st-faulted { background: var(--red); }
.badge.st-offline { background: var(--dark); }
.badge.sev-critical, .badge.sev-safety { background: var(--red); }
.badge.sev-warning, .badge.sev-major { background: var(--amber); }
.badge.ok { background: var(--green); }
.badge.warn { background: var(--amber); }
.badge.bad { background: var(--red); }

svg.chart { width: 100%; height: auto; display: block; }
svg.chart text { font-size: 10px; fill: var(--muted); }
svg.chart .bar { fill: var(--accent); }
svg.chart .bar:hover { fill: #2f7fd0; }
svg.chart .axis { stroke: var(--line); }
svg.stack rect.st-available { fill: var(--green); }
svg.stack rect.st-charging, svg.stack rect.st-occupied { fill: var(--blue); }
svg.stack rect.st-preparing, svg.stack rect.st-suspendedev, svg.stack rect.st-suspendedevse, svg.stack rect.st-finishing { fill: var(--teal); }
svg.stack rect.st-reserved { fill: var(--purple); }
svg.stack rect.st-unavailable { fill: var(--grey); }
svg.stack rect.st-faulted { fill: var(--red); }
svg.stack rect.st-offline { fill: var(--dark); }
.legend { display: flex; flex-wrap: wrap; gap: 4px 10px; font-size: .78rem; color: var(--muted); margin-top: 4px; }

.connectors { display: grid; gap: 10px; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); }
.connector { border: 1px solid var(--line); border-radius: var(--radius); padding: 10px; }
.connector .name { font-weight: 600; }
.connector.changed { animation: flash 2s ease-out; }

.frames { max-height: 420px; overflow: auto; background: #0f1720; color: #d7e1ea; border-radius: var(--radius); padding: 8px 10px; margin: 0; }
.frames .in { color: #9fd49f; }
.frames .out { color: #8fc3ff; }
.frames div { white-space: pre-wrap; word-break: break-all; padding: 1px 0; }

form.filters { display: grid; gap: 10px; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); align-items: end; }
label { display: flex; flex-direction: column; gap: 4px; font-size: .82rem; color: var(--muted); }
input, select { font: inherit; padding: 6px 8px; border: 1px solid #c3ccd6; border-radius: 6px; background: #ffffff; color: var(--ink); min-width: 0; }
button { font: inherit; cursor: pointer; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-ink); padding: 6px 14px; }
button.secondary { background: #ffffff; color: var(--accent); }
button.danger { background: #ffffff; color: var(--red); border-color: var(--red); }
button:disabled { opacity: .55; cursor: default; }
.link-button { background: none; border: 0; color: #c8d3de; padding: 0; text-decoration: underline; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; }
form.filters .actions { grid-column: 1 / -1; }

.login { max-width: 520px; margin: 40px auto; }
.login input { width: 100%; }

.live { padding: 2px 8px; border-radius: 999px; font-weight: 600; }
.live.on { background: #1f8a4c; color: #ffffff; }
.live.off { background: #4a5561; color: #e8eef4; }
.live.retry { background: #b7791f; color: #ffffff; }
"""#
}
