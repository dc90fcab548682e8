// The audit trail with filters and its CSV and JSONL exports.
extension DashboardAssets {
    static let auditJS = #"""
"use strict";
// The audit trail (auditor or admin access): filters, the entries, and the exports with the
// same filters (GET /api/v1/audit/export?format=csv for reading, format=jsonl to verify).
Vigil.pages = Vigil.pages || {};

Vigil.pages.audit = async function (view) {
  view.appendChild(Vigil.el("div", { class: "page-head" }, Vigil.el("h1", {}, "Audit trail"),
    Vigil.el("p", {}, "Every decision, command, answer and operator action, hash-chained (docs/audit.md).")));
  const field = (name, label, type, extra) => Vigil.el("label", {}, label, Vigil.el("input", { name, type: type || "text", ...(extra || {}) }));
  const kinds = ["", "alert", "command", "decision", "operator", "outcome", "system", "verification"];
  const form = Vigil.el("form", { class: "filters" },
    field("from", "From", "datetime-local"), field("to", "To", "datetime-local"),
    field("station", "Station"), field("rule", "Rule"),
    Vigil.el("label", {}, "Kind", Vigil.el("select", { name: "kind" }, kinds.map((k) => Vigil.el("option", { value: k }, k || "any")))),
    field("outcome", "Outcome"), field("actor", "Actor"), field("limit", "Limit", "number", { min: 1, max: 1000, value: 200 }),
    Vigil.el("div", { class: "actions" },
      Vigil.el("button", { type: "submit" }, "Apply"),
      Vigil.el("button", { type: "button", class: "secondary", "data-action": "export", onclick: () => exportAs("csv") }, "Export CSV"),
      Vigil.el("button", { type: "button", class: "secondary", "data-action": "export-jsonl", onclick: () => exportAs("jsonl") }, "Export JSONL")));
  const results = Vigil.el("div", {});
  const message = Vigil.el("p", { class: "small" });
  view.appendChild(Vigil.card("Filters", form, message));
  view.appendChild(results);

  function filters() {
    const data = new FormData(form);
    const value = (name) => (data.get(name) || "").toString().trim();
    const time = (name) => value(name) ? Vigil.isoWithOffset(new Date(value(name))) : undefined;
    return { from: time("from"), to: time("to"), station: value("station"), rule: value("rule"), kind: value("kind"),
      outcome: value("outcome"), actor: value("actor") };
  }

  async function load() {
    Vigil.clear(results);
    const limit = new FormData(form).get("limit") || 200;
    const result = await Vigil.api.get("/api/v1/audit" + Vigil.query({ ...filters(), limit }));
    if (!result.ok) {
      results.appendChild(result.status === 403 ? Vigil.el("p", { class: "notice" }, "The audit trail needs auditor (or admin) access: " + ((result.data && result.data.error) || "")) : Vigil.failure("Audit", result));
      return;
    }
    results.appendChild(Vigil.card(`Entries (${result.data.length})`, Vigil.table([
      { label: "Id", num: true, value: (e) => String(e.id) },
      { label: "Time", value: (e) => Vigil.fmt.time(e.at) },
      { label: "Kind", value: (e) => e.kind },
      { label: "Actor", value: (e) => e.actor || "—" },
      { label: "Station", value: (e) => e.station ? Vigil.link("#/charger/" + encodeURIComponent(e.station), e.station) : "—" },
      { label: "Rule", value: (e) => e.rule || "—" },
      { label: "Action", value: (e) => e.action || "—" },
      { label: "Outcome", value: (e) => e.outcome || "—" },
      { label: "Details", value: (e) => Vigil.el("span", { class: "small details", title: e.detailsText || "" },
        (e.detailsText || (typeof e.details === "string" ? e.details : JSON.stringify(e.details)) || "").slice(0, 240)) },
    ], result.data.slice().reverse(), "No entries match.")));
  }

  // CSV is for reading (a spreadsheet); JSONL is the export `vigil audit verify --file` checks.
  async function exportAs(format) {
    message.textContent = "Exporting…";
    const name = "vigil-audit." + format;
    try {
      await Vigil.api.download("/api/v1/audit/export" + Vigil.query({ ...filters(), format }), name);
      message.textContent = format === "jsonl" ? "Exported " + name + " (verify it with `vigil audit verify --file " + name + " --key …`)."
        : "Exported " + name + " (for reading; the JSONL export is the one `vigil audit verify --file` checks).";
    } catch (error) {
      message.textContent = "Export refused: " + error.message;
    }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); load(); });
  await load();
};
"""#
}
