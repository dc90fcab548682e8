// The charger page: sessions, energy, error log, decisions, commands, raw OCPP.
extension DashboardAssets {
    static let chargerJS = #"""
"use strict";
// The charger page: its connectors (live), sessions and energy, the error log in the
// charger's own order, what the rules decided (with the catalogue guidance they used) and
// the commands they sent, and the raw OCPP frames.
Vigil.pages = Vigil.pages || {};

Vigil.energyByDay = function (sessions, days) {
  const labels = [], values = [];
  const start = Vigil.startOfToday();
  for (let i = days - 1; i >= 0; i--) {
    const day = new Date(start.getTime() - i * 86400000);
    labels.push(`${day.getMonth() + 1}/${day.getDate()}`);
    values.push(0);
  }
  for (const session of sessions) {
    const begun = new Date(session.startTime);
    const index = days - 1 - Math.floor((start.getTime() + 86400000 - 1 - begun.getTime()) / 86400000);
    if (index >= 0 && index < days) values[index] += (session.energyWh || 0) / 1000;
  }
  return { labels, values };
};

Vigil.decisionAction = function (decision) {
  const action = decision.action;
  if (!action) return "—";
  const parts = [action.type];
  if (action.title) parts.push(action.title);
  return parts.join(": ");
};

Vigil.guidance = function (decision) {
  const action = decision.action;
  if (!action || !action.catalogueEntry) return "—";
  return Vigil.el("span", {}, action.catalogueEntry,
    action.catalogueSeverity ? Vigil.el("span", { class: "small muted" }, ` (${action.catalogueSeverity}${action.neverReset ? ", never reset" : ""})`) : null);
};

Vigil.pages.charger = async function (view, stationId) {
  const id = encodeURIComponent(stationId);
  const [station, sessions, history, decisions, commands, frames] = await Promise.all([
    Vigil.api.get(`/api/v1/stations/${id}`),
    Vigil.api.get(`/api/v1/sessions?station=${id}&limit=200`),
    Vigil.api.get(`/api/v1/stations/${id}/history?limit=500`),
    Vigil.api.get(`/api/v1/decisions?station=${id}&limit=100`),
    Vigil.api.get(`/api/v1/commands?station=${id}&limit=100`),
    Vigil.api.get(`/api/v1/stations/${id}/messages?limit=200`),
  ]);
  if (!station.ok) { view.appendChild(Vigil.failure("Station " + stationId, station)); return; }
  const s = station.data;
  view.appendChild(Vigil.el("div", { class: "page-head" },
    Vigil.el("h1", {}, "Charger " + s.id),
    Vigil.el("p", {}, [s.vendor, s.model].filter(Boolean).join(" ") || "unknown model", ` · firmware ${s.firmware || "?"} · ${s.ocppVersion || "?"} · `,
      Vigil.badge(s.online ? "online" : "offline", s.online ? "ok" : "bad"), ` · last seen ${Vigil.fmt.time(s.lastSeen)}`,
      s.site ? Vigil.el("span", {}, " · site ", Vigil.link("#/site/" + encodeURIComponent(s.site), s.site)) : null)));

  const boxes = Vigil.el("div", { class: "connectors" }, s.connectors.map((c) => Vigil.connectorBox(s, c)));
  view.appendChild(Vigil.card("Connectors", boxes));

  const sessionList = sessions.ok ? sessions.data : [];
  const energy = Vigil.energyByDay(sessionList, 14);
  const totalWh = sessionList.reduce((sum, x) => sum + (x.energyWh || 0), 0);
  view.appendChild(Vigil.el("div", { class: "grid wide" },
    Vigil.card("Energy, last 14 days", Vigil.el("p", { class: "small muted" }, `${Vigil.fmt.kwh(totalWh)} in the latest ${sessionList.length} sessions`),
      Vigil.charts.bars(energy.values, energy.labels, { every: 2, format: (v) => v.toFixed(1), title: "kWh per day" })),
    Vigil.card("Sessions", sessions.ok ? Vigil.table([
      { label: "Started", value: (x) => Vigil.fmt.time(x.startTime) },
      { label: "Conn.", num: true, value: (x) => String(x.connector) },
      { label: "Energy", num: true, value: (x) => Vigil.fmt.kwh(x.energyWh) },
      { label: "Ended", value: (x) => x.active ? Vigil.badge("charging", "st-charging") : (x.stopReason || "—") },
      { label: "Token", value: (x) => x.idToken },
    ], sessionList.slice(0, 15), "No sessions yet.") : Vigil.failure("Sessions", sessions))));

  const errorRows = (history.ok ? history.data : []).filter((h) => (h.errorCode && h.errorCode !== "NoError") || h.vendorErrorCode || h.status === "Faulted");
  const errorLog = Vigil.card("Error log (the charger's order)", history.ok ? Vigil.table([
    { label: "Charger time", value: (h) => Vigil.fmt.time(h.chargerTime) },
    { label: "Received", value: (h) => Vigil.fmt.time(h.receivedAt) },
    { label: "EVSE / conn.", value: (h) => `${h.evse} / ${h.connector}` },
    { label: "Status", value: (h) => Vigil.badge(h.status) },
    { label: "Error", value: (h) => Vigil.connectorError(h.errorCode, h.vendorErrorCode) },
    { label: "Info", value: (h) => h.info || "" },
  ], errorRows.slice(-100).reverse(), "No error reports.") : Vigil.failure("History", history));
  errorLog.setAttribute("data-panel", "errors");
  view.appendChild(errorLog);

  view.appendChild(Vigil.card("What the rules decided", decisions.ok ? Vigil.table([
    { label: "Time", value: (d) => Vigil.fmt.time(d.time) },
    { label: "Rule", value: (d) => d.rule },
    { label: "Decision", value: (d) => Vigil.badge(d.kind, d.kind === "act" ? "ok" : d.kind === "suppressed" || d.kind === "held" ? "warn" : "st-unavailable") },
    { label: "Action", value: Vigil.decisionAction },
    { label: "Catalogue guidance", value: Vigil.guidance },
    { label: "Why", value: (d) => d.reason },
  ], decisions.data.slice().reverse(), "No decisions for this charger.") : Vigil.failure("Decisions", decisions)));

  view.appendChild(Vigil.card("Commands sent", commands.ok ? Vigil.table([
    { label: "Sent", value: (c) => Vigil.fmt.time(c.createdAt) },
    { label: "Action", value: (c) => c.action },
    { label: "Code", value: (c) => c.code || "—" },
    { label: "Answer", value: (c) => Vigil.badge(c.status, c.status === "accepted" ? "ok" : c.status === "pending" || c.status === "held" ? "warn" : "bad") },
    { label: "Verification", value: (c) => c.verificationText || c.verification },
    { label: "Detail", value: (c) => c.detail || "" },
  ], commands.data.slice().reverse(), "No commands sent to this charger.") : Vigil.failure("Commands", commands)));

  const frameBox = Vigil.el("div", { class: "frames mono", "data-panel": "frames" });
  if (frames.ok) {
    for (const frame of frames.data) {
      frameBox.appendChild(Vigil.el("div", { class: frame.direction }, `${Vigil.fmt.time(frame.at)} ${frame.direction === "in" ? "→" : "←"} ${frame.text}`));
    }
    if (frames.data.length === 0) frameBox.appendChild(Vigil.el("div", {}, "No frames recorded."));
  }
  view.appendChild(Vigil.card("Raw OCPP log", Vigil.el("p", { class: "small muted" }, "→ from the charger, ← from Vigil; oldest first."),
    frames.ok ? frameBox : (Vigil.api.isMissing(frames) ? Vigil.unavailable("The raw OCPP log") : Vigil.failure("Frames", frames))));
  frameBox.scrollTop = frameBox.scrollHeight;

  let pending = null;
  Vigil.live.on((kind, data) => {
    const mine = kind === "event" ? data.event.station === s.id : data.target && data.target.station === s.id;
    if (!mine) return;
    if (kind === "event") { Vigil.applyStatus(view, data.event); Vigil.applyConnectivity(view, data.event); }
    // The station's online badge and last-seen line come from the record: read it again.
    if (kind === "decision" || (kind === "event" && ["commandResult", "faultCleared", "connected", "disconnected"].includes(data.event.kind))) {
      clearTimeout(pending);
      pending = setTimeout(() => Vigil.app.render({ keepScroll: true }), 1500);
    }
  });
};
"""#
}
