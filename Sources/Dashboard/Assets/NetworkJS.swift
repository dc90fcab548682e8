// The network page and the site list (GET /api/v1/sites, else derived from stations).
extension DashboardAssets {
    static let networkJS = #"""
"use strict";
// The network page: every site with its sockets by state, availability and session success
// (today and 7 days), and the open alerts. Sites come from GET /api/v1/sites when the server
// has it, else they are derived from GET /api/v1/stations (grouped by each station's site).
Vigil.sites = {
  UNASSIGNED: "-",

  /// {sites: [{id, name, stations, connectors, online, offline, stationIds}], derived, stations}
  async load() {
    // Every station (the route's default is the first 1,000 by id).
    const stationsResult = await Vigil.api.get("/api/v1/stations?limit=100000");
    if (!stationsResult.ok) return { error: stationsResult };
    const stations = stationsResult.data;
    const sitesResult = await Vigil.api.get("/api/v1/sites");
    if (sitesResult.ok) {
      const sites = sitesResult.data.sites.map((site) => ({ ...site, stationIds: stations.filter((s) => s.site === site.id).map((s) => s.id) }));
      const unassigned = sitesResult.data.unassigned;
      if (unassigned && unassigned.stations > 0) {
        sites.push({ ...unassigned, id: this.UNASSIGNED, name: "No site", stationIds: stations.filter((s) => !s.site).map((s) => s.id) });
      }
      return { sites, derived: false, stations };
    }
    if (!Vigil.api.isMissing(sitesResult)) return { error: sitesResult };
    return { sites: this.derive(stations), derived: true, stations };
  },

  derive(stations) {
    const byId = new Map();
    for (const station of stations) {
      const id = station.site || this.UNASSIGNED;
      if (!byId.has(id)) byId.set(id, { id, name: id === this.UNASSIGNED ? "No site" : id, stations: 0, connectors: {}, online: 0, offline: 0, stationIds: [] });
      const site = byId.get(id);
      site.stations += 1;
      site.stationIds.push(station.id);
      if (station.online) site.online += 1; else site.offline += 1;
      for (const connector of station.connectors) {
        if (connector.evse === 0 && connector.connector === 0) continue;   // the station as a whole is no socket
        const status = station.online ? connector.status : "Offline";   // as the sites route counts them
        site.connectors[status] = (site.connectors[status] || 0) + 1;
      }
    }
    return Array.from(byId.values()).sort((a, b) => (a.id === this.UNASSIGNED) - (b.id === this.UNASSIGNED) || a.name.localeCompare(b.name));
  },

  /// Availability per station over [from, now], from GET /api/v1/metrics/availability.
  async availability(from) {
    const result = await Vigil.api.get("/api/v1/metrics/availability" + Vigil.query({ from: Vigil.isoWithOffset(from) }));
    if (!result.ok) return null;
    const byStation = new Map();
    for (const connector of result.data.connectors || []) {
      const entry = byStation.get(connector.station) || { total: 0, available: 0 };
      entry.total += connector.totalSeconds || 0;
      entry.available += connector.availableSeconds || 0;
      byStation.set(connector.station, entry);
    }
    return byStation;
  },

  share(byStation, stationIds) {
    if (!byStation) return null;
    let total = 0, available = 0;
    for (const id of stationIds) {
      const entry = byStation.get(id);
      if (entry) { total += entry.total; available += entry.available; }
    }
    return total > 0 ? available / total : null;
  },

  /// Session success for a site from GET /api/v1/metrics/sessions; null when the route is missing.
  async success(site, from) {
    // The metrics route filters by site; stations without one have no filter of their own.
    if (site === this.UNASSIGNED) return { missing: false, value: null };
    const result = await Vigil.api.get("/api/v1/metrics/sessions" + Vigil.query({ site, from: Vigil.isoWithOffset(from) }));
    if (!result.ok) return { missing: Vigil.api.isMissing(result), value: null };
    return { missing: false, value: result.data.successRate, sessions: result.data.sessions };
  },
};

Vigil.pages = Vigil.pages || {};

Vigil.pages.network = async function (view) {
  const loaded = await Vigil.sites.load();
  if (loaded.error) { view.appendChild(Vigil.failure("Stations", loaded.error)); return; }
  const { sites, stations, derived } = loaded;
  const [today, week, alerts] = await Promise.all([
    Vigil.sites.availability(Vigil.startOfToday()),
    Vigil.sites.availability(Vigil.daysAgo(7)),
    Vigil.api.get("/api/v1/alerts?status=open&limit=100"),
  ]);
  // Sockets as the sites route and /metrics count them: connector 0 (the station as a whole) is none.
  const isSocket = (c) => !(c.evse === 0 && c.connector === 0);
  const connectors = stations.flatMap((s) => s.connectors).filter(isSocket);
  // A faulted socket of a station that is offline is counted as offline, not faulted (as the sites route does).
  const faulted = stations.filter((s) => s.online).flatMap((s) => s.connectors).filter(isSocket).filter((c) => c.status === "Faulted").length;
  const online = stations.filter((s) => s.online).length;
  const openAlerts = alerts.ok ? alerts.data : [];

  view.appendChild(Vigil.el("div", { class: "page-head" }, Vigil.el("h1", {}, "Network"),
    Vigil.el("p", {}, derived ? "Sites grouped from each station's site (the sites route is not on this server)." : "Sites as configured.")));
  view.appendChild(Vigil.el("div", { class: "tiles" },
    Vigil.tile("sites", String(sites.filter((site) => site.id !== Vigil.sites.UNASSIGNED).length)),   // "No site" is not one
    Vigil.tile("stations online", `${online} / ${stations.length}`, online < stations.length ? "bad" : "good"),
    Vigil.tile("sockets", String(connectors.length)),
    Vigil.tile("sockets faulted", String(faulted), faulted ? "bad" : "good"),
    Vigil.tile("availability today", Vigil.fmt.percent(Vigil.sites.share(today, stations.map((s) => s.id)))),
    Vigil.tile("open alerts", String(openAlerts.length), openAlerts.length ? "bad" : "good")));

  const successes = await Promise.all(sites.flatMap((site) => [Vigil.sites.success(site.id, Vigil.startOfToday()), Vigil.sites.success(site.id, Vigil.daysAgo(7))]));
  const sessionsMissing = successes.some((s) => s.missing);
  const rows = sites.map((site, index) => ({ site, todaySuccess: successes[2 * index], weekSuccess: successes[2 * index + 1] }));
  view.appendChild(Vigil.card("Sites",
    Vigil.table([
      { label: "Site", value: (r) => Vigil.link("#/site/" + encodeURIComponent(r.site.id), r.site.name) },
      { label: "Stations", num: true, value: (r) => String(r.site.stations) },
      { label: "Online", num: true, value: (r) => `${r.site.online} / ${r.site.online + r.site.offline}` },
      { label: "Sockets by state", value: (r) => Vigil.charts.stack(r.site.connectors) },
      { label: "Availability today", num: true, value: (r) => Vigil.fmt.percent(Vigil.sites.share(today, r.site.stationIds)) },
      { label: "7 days", num: true, value: (r) => Vigil.fmt.percent(Vigil.sites.share(week, r.site.stationIds)) },
      { label: "Session success today", num: true, value: (r) => r.todaySuccess.missing ? "n/a" : Vigil.fmt.percent(r.todaySuccess.value) },
      { label: "7 days", num: true, value: (r) => r.weekSuccess.missing ? "n/a" : Vigil.fmt.percent(r.weekSuccess.value) },
    ], rows, "No stations yet: connect a charger to the OCPP port."),
    sessionsMissing ? Vigil.unavailable("Session success (GET /api/v1/metrics/sessions)") : null));

  view.appendChild(Vigil.card("Open alerts",
    alerts.ok ? Vigil.table([
      { label: "Severity", value: (a) => Vigil.badge(a.severity, "sev-" + a.severity) },
      { label: "Alert", value: (a) => a.title },
      { label: "Target", value: (a) => a.station ? Vigil.link("#/charger/" + encodeURIComponent(a.station), a.target) : a.target },
      { label: "Rule", value: (a) => a.rule },
      { label: "Count", num: true, value: (a) => String(a.count) },
      { label: "Last seen", value: (a) => Vigil.fmt.time(a.lastSeen) },
    ], openAlerts, "No open alerts.") : Vigil.failure("Alerts", alerts)));

  // A status change or an alert anywhere redraws the page (cheap: a handful of requests).
  let pending = null;
  Vigil.live.on((kind, data) => {
    const relevant = kind === "alert" || (kind === "event" && ["statusChanged", "connected", "disconnected", "faultCleared"].includes(data.event.kind));
    if (!relevant) return;
    clearTimeout(pending);
    pending = setTimeout(() => Vigil.app.render(), 500);
  });
};
"""#
}
