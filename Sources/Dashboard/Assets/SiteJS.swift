// The site page: live connectors and peak hours.
extension DashboardAssets {
    static let siteJS = #"""
"use strict";
// The site page: every connector's live state (updated in place from the event stream), its
// availability, and the site's peak hours (GET /api/v1/metrics/sessions, else derived from
// the latest sessions of the site's stations).
Vigil.pages = Vigil.pages || {};

Vigil.connectorKey = (station, evse, connector) => `${station}/${evse}/${connector}`;

/// A connector's box, found again by its data-key when its status changes.
Vigil.connectorBox = function (station, connector, availability) {
  const key = Vigil.connectorKey(station.id, connector.evse, connector.connector);
  // Connector 0 is the station as a whole (1.6 connectorId 0): shown, but not counted as a socket.
  const where = connector.evse === 0 && connector.connector === 0 ? " · whole station" : ` · EVSE ${connector.evse} / ${connector.connector}`;
  const box = Vigil.el("div", { class: "connector", "data-key": key, "data-status": connector.status, "data-online": String(station.online) },
    Vigil.el("div", { class: "name" }, Vigil.link("#/charger/" + encodeURIComponent(station.id), station.id), where),
    Vigil.el("div", {}, Vigil.el("span", { class: "badge", "data-role": "status" })),
    Vigil.el("div", { class: "small muted", "data-role": "error" }, Vigil.connectorError(connector.errorCode, connector.vendorErrorCode)),
    Vigil.el("div", { class: "small muted", "data-role": "updated" }, "since " + Vigil.fmt.time(connector.updatedAt)),
    availability !== undefined ? Vigil.el("div", { class: "small" }, "available today: " + Vigil.fmt.percent(availability)) : null);
  Vigil.showConnectorStatus(box);
  return box;
};

/// A box's badge from its last status and whether its station is online.
Vigil.showConnectorStatus = function (box) {
  const badge = box.querySelector('[data-role="status"]');
  if (!badge) return;
  const status = box.dataset.status || "Unknown";
  const online = box.dataset.online === "true";
  badge.textContent = online ? status : status + " (station offline)";
  badge.className = "badge " + Vigil.statusClass(online ? status : "offline");
};

/// Applies a connected or disconnected event to every box of its station: the page said
/// "(live)" for a station that had just gone offline, until it was reloaded.
Vigil.applyConnectivity = function (root, event) {
  if (!["connected", "disconnected"].includes(event.kind)) return false;
  const boxes = root.querySelectorAll(`[data-key^="${CSS.escape(event.station + "/")}"]`);
  for (const box of boxes) {
    box.dataset.online = String(event.kind === "connected");
    Vigil.showConnectorStatus(box);
    const updated = box.querySelector('[data-role="updated"]');
    if (updated) updated.textContent = (event.kind === "connected" ? "station online since " : "station offline since ") + Vigil.fmt.time(event.time) + " (live)";
  }
  return boxes.length > 0;
};

Vigil.connectorError = function (errorCode, vendorErrorCode) {
  if ((!errorCode || errorCode === "NoError") && !vendorErrorCode) return "no error";
  return [errorCode, vendorErrorCode ? "vendor " + vendorErrorCode : null].filter(Boolean).join(" · ");
};

/// Applies a statusChanged (or faultCleared) event to the connector boxes on the page.
Vigil.applyStatus = function (root, event) {
  if (!["statusChanged", "faultCleared"].includes(event.kind)) return false;
  // 2.0.1 names the EVSE and its connector; a 1.6 event's connectorId is also its EVSE, whose
  // one connector the store lists as connector 1: so the exact key, else the EVSE's only box.
  const evse = event.evse || event.connector;
  const exact = root.querySelector(`[data-key="${CSS.escape(Vigil.connectorKey(event.station, evse, event.connector))}"]`);
  const onEvse = root.querySelectorAll(`[data-key^="${CSS.escape(event.station + "/" + evse + "/")}"]`);
  const box = exact || (onEvse.length === 1 ? onEvse[0] : null);
  if (!box) return false;
  const to = event.fields.to;
  if (to) box.dataset.status = to;
  box.dataset.online = "true";   // a status report comes from a station that is connected
  Vigil.showConnectorStatus(box);
  const error = box.querySelector('[data-role="error"]');
  if (error) error.textContent = Vigil.connectorError(event.fields.ocppErrorCode, event.fields.vendorErrorCode);
  const updated = box.querySelector('[data-role="updated"]');
  if (updated) updated.textContent = "since " + Vigil.fmt.time(event.time) + " (live)";
  box.classList.remove("changed");
  void box.offsetWidth;
  box.classList.add("changed");
  return true;
};

/// Sessions started per hour of the day (local time) and per weekday (Monday first).
Vigil.peakHours = function (sessions) {
  const byHour = new Array(24).fill(0), byWeekday = new Array(7).fill(0);
  for (const session of sessions) {
    const start = new Date(session.startTime);
    if (isNaN(start)) continue;
    byHour[start.getHours()] += 1;
    byWeekday[(start.getDay() + 6) % 7] += 1;
  }
  return { byHour, byWeekday };
};

Vigil.peakCharts = function (peak) {
  const hours = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, "0"));
  const days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  return Vigil.el("div", { class: "grid wide" },
    Vigil.el("div", {}, Vigil.el("h3", {}, "Sessions by hour of day"), Vigil.charts.bars(peak.byHour, hours, { every: 3, title: "sessions by hour" })),
    Vigil.el("div", {}, Vigil.el("h3", {}, "Sessions by weekday"), Vigil.charts.bars(peak.byWeekday, days, { title: "sessions by weekday" })));
};

Vigil.pages.site = async function (view, siteId) {
  const loaded = await Vigil.sites.load();
  if (loaded.error) { view.appendChild(Vigil.failure("Stations", loaded.error)); return; }
  const site = loaded.sites.find((s) => s.id === siteId);
  if (!site) { view.appendChild(Vigil.el("p", { class: "error-box" }, `No site ${siteId}.`)); return; }
  if (!loaded.derived && site.id !== Vigil.sites.UNASSIGNED) {
    // The site's own answer names its stations (GET /api/v1/sites/{id}).
    const own = await Vigil.api.get("/api/v1/sites/" + encodeURIComponent(site.id));
    if (own.ok && Array.isArray(own.data.stationIds)) site.stationIds = own.data.stationIds;
  }
  const stations = loaded.stations.filter((s) => site.stationIds.includes(s.id));
  const today = await Vigil.sites.availability(Vigil.startOfToday());
  const connectorAvailability = new Map();
  const fleet = await Vigil.api.get("/api/v1/metrics/availability" + Vigil.query({ from: Vigil.isoWithOffset(Vigil.startOfToday()) }));
  if (fleet.ok) for (const c of fleet.data.connectors || []) connectorAvailability.set(Vigil.connectorKey(c.station, c.evse, c.connector), c.availability);

  view.appendChild(Vigil.el("div", { class: "page-head" }, Vigil.el("h1", {}, "Site " + site.name),
    Vigil.el("p", {}, `${site.stations} stations · ${site.online} online · availability today ${Vigil.fmt.percent(Vigil.sites.share(today, site.stationIds))}`)));

  const boxes = Vigil.el("div", { class: "connectors" });
  for (const station of stations) {
    for (const connector of station.connectors) {
      boxes.appendChild(Vigil.connectorBox(station, connector, connectorAvailability.get(Vigil.connectorKey(station.id, connector.evse, connector.connector))));
    }
  }
  view.appendChild(Vigil.card("Connectors", Vigil.el("p", { class: "small muted" }, "Live: a status report shows here as it is recorded."), boxes));

  const metrics = site.id === Vigil.sites.UNASSIGNED ? { ok: false, status: 0, data: null }
    : await Vigil.api.get("/api/v1/metrics/sessions" + Vigil.query({ site: site.id, from: Vigil.isoWithOffset(Vigil.daysAgo(30)) }));
  if (metrics.ok) {
    view.appendChild(Vigil.card("Sessions, last 30 days",
      Vigil.el("div", { class: "tiles" },
        Vigil.tile("sessions", Vigil.fmt.number(metrics.data.sessions)),
        Vigil.tile("success", Vigil.fmt.percent(metrics.data.successRate)),
        Vigil.tile("energy", (metrics.data.energyKWh || 0).toFixed(1) + " kWh"),
        Vigil.tile("median duration", Vigil.fmt.duration(metrics.data.medianDurationSeconds)),
        Vigil.tile("charging share", Vigil.fmt.percent(metrics.data.chargingShare))),
      Vigil.peakCharts(metrics.data.peakHours)));
  } else {
    const lists = await Promise.all(stations.slice(0, 50).map((s) => Vigil.api.get("/api/v1/sessions" + Vigil.query({ station: s.id, limit: 1000 }))));
    const sessions = lists.filter((r) => r.ok).flatMap((r) => r.data);
    view.appendChild(Vigil.card("Peak hours",
      Vigil.el("p", { class: "small muted" }, `Derived from the latest ${sessions.length} sessions of this site's stations` +
        (Vigil.api.isMissing(metrics) ? " (session metrics are not available on this server)." : ".")),
      Vigil.peakCharts(Vigil.peakHours(sessions))));
  }

  Vigil.live.on((kind, data) => {
    if (kind === "event" && site.stationIds.includes(data.event.station)) {
      Vigil.applyStatus(view, data.event);
      Vigil.applyConnectivity(view, data.event);
    }
  });
};
"""#
}
