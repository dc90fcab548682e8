// Recurring errors across the fleet.
extension DashboardAssets {
    static let errorsJS = #"""
"use strict";
// Recurring errors across the fleet: GET /api/v1/metrics/errors when the server has it, else
// counted from the status histories of (at most 100) stations, without recovery times.
Vigil.pages = Vigil.pages || {};

Vigil.pages.errors = async function (view) {
  view.appendChild(Vigil.el("div", { class: "page-head" }, Vigil.el("h1", {}, "Recurring errors"),
    Vigil.el("p", {}, "Error codes by how often they occur across the fleet, last 30 days.")));
  const from = Vigil.isoWithOffset(Vigil.daysAgo(30));
  const result = await Vigil.api.get("/api/v1/metrics/errors" + Vigil.query({ from, limit: 100 }));
  if (result.ok) {
    view.appendChild(Vigil.card("Errors", Vigil.table([
      { label: "Vendor", value: (e) => e.vendor || "—" },
      { label: "Code", value: (e) => e.code || "—" },
      { label: "OCPP error", value: (e) => e.ocppErrorCode },
      { label: "Title", value: (e) => e.title || "—" },
      { label: "Count", num: true, value: (e) => String(e.count) },
      { label: "Stations", value: (e) => Array.isArray(e.stations) ? e.stations.map((id, i) => [i ? ", " : "", Vigil.link("#/charger/" + encodeURIComponent(id), id)]) : String(e.stations) },
      { label: "Site", value: (e) => e.site || "—" },
      { label: "Last seen", value: (e) => Vigil.fmt.time(e.lastSeen) },
      { label: "MTTR", num: true, value: (e) => Vigil.fmt.duration(e.meanTimeToRecoverySeconds) },
      { label: "MTBF", num: true, value: (e) => Vigil.fmt.duration(e.meanTimeBetweenFaultsSeconds) },
    ], result.data.errors, "No errors in the last 30 days.")));
    return;
  }
  if (!Vigil.api.isMissing(result)) { view.appendChild(Vigil.failure("Errors", result)); return; }
  const stations = await Vigil.api.get("/api/v1/stations?limit=100000");
  if (!stations.ok) { view.appendChild(Vigil.failure("Stations", stations)); return; }
  const chosen = stations.data.slice(0, 100);
  const histories = await Promise.all(chosen.map((s) => Vigil.api.get(`/api/v1/stations/${encodeURIComponent(s.id)}/history?limit=1000`)));
  const since = Vigil.daysAgo(30).getTime();
  const byCode = new Map();
  chosen.forEach((station, index) => {
    if (!histories[index].ok) return;
    for (const h of histories[index].data) {
      if ((!h.errorCode || h.errorCode === "NoError") && !h.vendorErrorCode) continue;
      if (new Date(h.receivedAt).getTime() < since) continue;
      const key = `${station.vendor || ""}|${h.vendorErrorCode || ""}|${h.errorCode}`;
      const entry = byCode.get(key) || { vendor: station.vendor, code: h.vendorErrorCode, ocppErrorCode: h.errorCode, count: 0, stations: new Set(), firstSeen: h.receivedAt, lastSeen: h.receivedAt };
      entry.count += 1;
      entry.stations.add(station.id);
      if (h.receivedAt < entry.firstSeen) entry.firstSeen = h.receivedAt;
      if (h.receivedAt > entry.lastSeen) entry.lastSeen = h.receivedAt;
      byCode.set(key, entry);
    }
  });
  const rows = Array.from(byCode.values()).sort((a, b) => b.count - a.count || b.stations.size - a.stations.size);
  view.appendChild(Vigil.card("Errors",
    Vigil.el("p", { class: "small muted" }, `Counted from the status reports of ${chosen.length} stations. ` +
      "Recovery and between-fault times need GET /api/v1/metrics/errors, which is not available on this server."),
    Vigil.table([
      { label: "Vendor", value: (e) => e.vendor || "—" },
      { label: "Code", value: (e) => e.code || "—" },
      { label: "OCPP error", value: (e) => e.ocppErrorCode },
      { label: "Count", num: true, value: (e) => String(e.count) },
      { label: "Stations", value: (e) => Array.from(e.stations).sort().map((id, i) => [i ? ", " : "", Vigil.link("#/charger/" + encodeURIComponent(id), id)]) },
      { label: "First seen", value: (e) => Vigil.fmt.time(e.firstSeen) },
      { label: "Last seen", value: (e) => Vigil.fmt.time(e.lastSeen) },
    ], rows, "No error reports in the last 30 days.")));
};
"""#
}
