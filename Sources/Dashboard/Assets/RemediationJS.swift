// Remediation: decisions, commands, verification, approvals.
extension DashboardAssets {
    static let remediationJS = #"""
"use strict";
// Remediation: what the rules decided, the commands they sent and how many were verified, the
// per-rule metrics (GET /api/v1/metrics/remediation when available), and the ladders waiting
// for an approval — with Approve and Reject for operators (POST /api/v1/approvals).
Vigil.pages = Vigil.pages || {};

/// Ladders whose latest decision is awaitingApproval, from the decisions list (oldest first).
Vigil.awaitingApproval = function (decisions) {
  const latest = new Map();
  for (const decision of decisions) {
    const key = decision.rule + "|" + decision.target.key;
    const previous = latest.get(key);
    if (!previous || decision.id > previous.id) latest.set(key, decision);
  }
  return Array.from(latest.values()).filter((d) => d.kind === "awaitingApproval");
};

Vigil.pages.remediation = async function (view) {
  const [decisions, commands, metrics] = await Promise.all([
    Vigil.api.get("/api/v1/decisions?limit=1000"),
    Vigil.api.get("/api/v1/commands?limit=1000"),
    Vigil.api.get("/api/v1/metrics/remediation" + Vigil.query({ from: Vigil.isoWithOffset(Vigil.daysAgo(30)) })),
  ]);
  view.appendChild(Vigil.el("div", { class: "page-head" }, Vigil.el("h1", {}, "Remediation"),
    Vigil.el("p", {}, "What the rules decided, what Vigil sent, and what it is waiting for.")));
  if (!decisions.ok) { view.appendChild(Vigil.failure("Decisions", decisions)); return; }

  const commandList = commands.ok ? commands.data : [];
  const checked = commandList.filter((c) => c.verification === "verified" || c.verification === "failed");
  const verified = checked.filter((c) => c.verification === "verified").length;
  const acts = decisions.data.filter((d) => d.kind === "act").length;
  const waiting = Vigil.awaitingApproval(decisions.data);
  view.appendChild(Vigil.el("div", { class: "tiles" },
    Vigil.tile("decisions", String(decisions.data.length)),
    Vigil.tile("actions decided", String(acts)),
    Vigil.tile("commands sent", String(commandList.length)),
    Vigil.tile("verification rate", checked.length ? Vigil.fmt.percent(verified / checked.length) : "—"),
    Vigil.tile("awaiting approval", String(waiting.length), waiting.length ? "bad" : "good")));

  const canAct = Vigil.app.canAct();
  const message = Vigil.el("p", { class: "small", "data-role": "approval-message" });
  view.appendChild(Vigil.card("Awaiting approval",
    canAct ? null : Vigil.el("p", { class: "small muted" }, "Your access is read-only: approvals need operator access."),
    Vigil.table([
      { label: "Since", value: (d) => Vigil.fmt.time(d.time) },
      { label: "Rule", value: (d) => d.rule },
      { label: "Target", value: (d) => d.target.station ? Vigil.link("#/charger/" + encodeURIComponent(d.target.station), d.target.key) : d.target.key },
      { label: "Why", value: (d) => d.reason },
      { label: "", value: (d) => canAct ? Vigil.el("div", { class: "actions" },
        Vigil.el("button", { type: "button", "data-action": "approve", onclick: () => answer(d, true) }, "Approve"),
        Vigil.el("button", { type: "button", class: "danger", "data-action": "reject", onclick: () => answer(d, false) }, "Reject")) : "" },
    ], waiting, "No ladder is waiting for an approval."), message));

  async function answer(decision, approved) {
    for (const button of view.querySelectorAll("button[data-action]")) button.disabled = true;
    const me = Vigil.app.me || {};
    const result = await Vigil.api.post("/api/v1/approvals", { rule: decision.rule, target: decision.target.key, approved, by: me.user || "dashboard" });
    message.textContent = result.ok ? `${approved ? "Approved" : "Rejected"}: ${decision.rule} for ${decision.target.key}.` : `Refused: ${(result.data && result.data.error) || result.status}`;
    message.className = result.ok ? "small" : "error-box";
    setTimeout(() => Vigil.app.render(), result.ok ? 1500 : 4000);
  }

  if (metrics.ok) {
    view.appendChild(Vigil.card("By rule, last 30 days", Vigil.table([
      { label: "Rule", value: (r) => r.rule },
      { label: "Actions", num: true, value: (r) => String(r.actions) },
      { label: "Verified", num: true, value: (r) => String(r.verified) },
      { label: "Share", num: true, value: (r) => Vigil.fmt.percent(r.verifiedShare) },
      { label: "Median recovery", num: true, value: (r) => Vigil.fmt.duration(r.medianRecoverySeconds) },
    ], metrics.data.byRule, "No actions."),
      Vigil.el("p", { class: "small muted" }, `Median recovery with an action ${Vigil.fmt.duration(metrics.data.medianRecoveryWithActionSeconds)}, ` +
        `without ${Vigil.fmt.duration(metrics.data.medianRecoveryWithoutActionSeconds)}.`)));
  } else {
    view.appendChild(Vigil.card("By rule", Vigil.api.isMissing(metrics) ? Vigil.unavailable("Remediation metrics (GET /api/v1/metrics/remediation)") : Vigil.failure("Remediation metrics", metrics)));
  }

  view.appendChild(Vigil.card("Latest decisions", Vigil.table([
    { label: "Time", value: (d) => Vigil.fmt.time(d.time) },
    { label: "Rule", value: (d) => d.rule },
    { label: "Decision", value: (d) => d.kind },
    { label: "Target", value: (d) => d.target.key },
    { label: "Action", value: Vigil.decisionAction },
    { label: "Why", value: (d) => d.reason },
  ], decisions.data.slice(-50).reverse(), "No decisions yet.")));

  view.appendChild(Vigil.card("Latest commands", commands.ok ? Vigil.table([
    { label: "Sent", value: (c) => Vigil.fmt.time(c.createdAt) },
    { label: "Station", value: (c) => Vigil.link("#/charger/" + encodeURIComponent(c.station), c.station + (c.connector ? "/" + c.connector : "")) },
    { label: "Action", value: (c) => c.action },
    { label: "Rule", value: (c) => c.rule },
    { label: "Answer", value: (c) => c.status },
    { label: "Verification", value: (c) => c.verificationText || c.verification },
  ], commandList.slice(-50).reverse(), "No commands yet.") : Vigil.failure("Commands", commands)));

  let pending = null;
  Vigil.live.on((kind, data) => {
    if (kind !== "decision" && !(kind === "event" && ["commandResult", "approval", "hold"].includes(data.event.kind))) return;
    clearTimeout(pending);
    pending = setTimeout(() => Vigil.app.render(), 1000);
  });
};
"""#
}
