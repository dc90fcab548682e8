// The single-page app: routes, sign-in, role, live stream.
extension DashboardAssets {
    static let appJS = #"""
"use strict";
// The single-page app: hash routes, sign-in with an API user's token, the caller's role
// (GET /api/v1/me: a viewer sees no action buttons), and the live stream's lifetime.
Vigil.app = {
  me: null,
  routes: {
    network: (view) => Vigil.pages.network(view),
    site: (view, id) => Vigil.pages.site(view, id),
    charger: (view, id) => Vigil.pages.charger(view, id),
    errors: (view) => Vigil.pages.errors(view),
    remediation: (view) => Vigil.pages.remediation(view),
    audit: (view) => Vigil.pages.audit(view),
  },

  /// Operators and admins act; so does anyone while the API is open (no API user exists).
  canAct() {
    return !!this.me && ["operator", "admin", "open"].includes(this.me.role);
  },

  async start() {
    document.getElementById("logout").addEventListener("click", () => { Vigil.api.setToken(""); this.signedOut("Signed out."); });
    window.addEventListener("hashchange", () => this.render());
    await this.identify();
  },

  async identify() {
    const result = await Vigil.api.get("/api/v1/me");
    if (!result.ok) { if (result.status !== 401) this.login(Vigil.failure("Who am I", result)); return; }
    this.me = result.data;
    const who = document.getElementById("who");
    who.textContent = this.me.role === "open" ? "open API (no users)" : `${this.me.user} · ${this.me.role}`;
    document.getElementById("logout").hidden = this.me.role === "open";
    document.body.setAttribute("data-role", this.me.role);
    Vigil.live.start();
    if (!location.hash || location.hash === "#/login") location.hash = "#/network";
    else this.render();
  },

  signedOut(reason) {
    this.me = null;
    Vigil.live.stop();
    document.getElementById("who").textContent = "";
    document.getElementById("logout").hidden = true;
    this.login(reason ? Vigil.el("p", { class: "notice" }, reason) : null);
  },

  async login(note) {
    Vigil.live.reset();
    const view = Vigil.clear(document.getElementById("view"));
    const health = await Vigil.api.request("GET", "/api/v1/health");
    const open = health.ok && /^open/.test(health.data.apiAuth || "");
    const input = Vigil.el("input", { type: "password", name: "token", autocomplete: "off", placeholder: "API token", "aria-label": "API token" });
    const form = Vigil.el("form", { class: "card login" },
      Vigil.el("h1", {}, "Sign in to Vigil"),
      note,
      open ? Vigil.el("p", { class: "notice" }, "This API is open: no API user exists yet, so no token is needed. " +
        "Anyone who can reach this port can see and change everything; create one with `vigil users add`.") : null,
      Vigil.el("p", { class: "muted" }, "Paste the token of an API user (`vigil users add NAME --access viewer|operator|auditor|admin`). " +
        "It is kept in this tab only (sessionStorage) and sent as a bearer token."),
      Vigil.el("label", {}, "Token", input),
      Vigil.el("div", { class: "actions" }, Vigil.el("button", { type: "submit" }, open ? "Continue" : "Sign in")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      Vigil.api.setToken(input.value.trim());
      location.hash = "#/network";
      await this.identify();
    });
    view.appendChild(form);
    input.focus();
  },

  /// Draws the page the hash names.
  async render(options = {}) {
    if (!this.me) return;
    const [, page, ...rest] = (location.hash || "#/network").split("/");
    const route = this.routes[page] || this.routes.network;
    for (const link of document.querySelectorAll("#nav a")) {
      link.classList.toggle("current", link.getAttribute("data-page") === page || (page === "site" && link.getAttribute("data-page") === "network"));
    }
    const scroll = options.keepScroll ? window.scrollY : 0;
    Vigil.live.reset();
    const view = document.getElementById("view");
    const fresh = Vigil.el("div", {});
    const token = (this.renderCount = (this.renderCount || 0) + 1);
    try {
      await route(fresh, rest.map(decodeURIComponent).join("/"));
    } catch (error) {
      console.warn(error);
      fresh.appendChild(Vigil.el("p", { class: "error-box" }, "This page failed to load: " + error.message));
    }
    if (token !== this.renderCount) return;   // a newer render started meanwhile
    Vigil.clear(view).appendChild(fresh);
    document.body.setAttribute("data-page", page || "network");
    document.body.setAttribute("data-rendered", String(token));
    window.scrollTo(0, scroll);
  },
};

document.addEventListener("DOMContentLoaded", () => Vigil.app.start());
"""#
}
