// Live updates through Server-Sent Events (GET /api/v1/stream).
extension DashboardAssets {
    static let liveJS = #"""
"use strict";
// Live updates through Server-Sent Events (GET /api/v1/stream). EventSource cannot send an
// Authorization header, so the token goes as ?token= (the one route that accepts it).
Vigil.live = {
  source: null,
  listeners: new Set(),
  retryTimer: null,

  start() {
    this.stop();
    const token = Vigil.api.token();
    const source = new EventSource("/api/v1/stream" + (token ? "?token=" + encodeURIComponent(token) : ""));
    this.source = source;
    source.addEventListener("open", () => this.state("on", "live"));
    source.addEventListener("error", () => {
      // The browser reconnects by itself unless the server refused the stream (closed).
      if (source.readyState === EventSource.CLOSED) {
        this.state("off", "not live");
        this.retryTimer = setTimeout(() => this.start(), 10000);
      } else {
        this.state("retry", "reconnecting");
      }
    });
    source.addEventListener("event", (message) => this.dispatch("event", message.data));
    source.addEventListener("decision", (message) => this.dispatch("decision", message.data));
    source.addEventListener("alert", (message) => this.dispatch("alert", message.data));
    source.addEventListener("revoked", () => {
      // The token stopped working (rotated or removed): sign in again rather than retry with it.
      this.stop();
      if (Vigil.app) Vigil.app.signedOut("Your token no longer works (rotated or removed). Sign in with a new one.");
    });
    source.addEventListener("overflow", () => {
      // Too slow to keep up: the server dropped us. Start again and reload the page's data.
      this.state("retry", "catching up");
      this.stop();
      this.retryTimer = setTimeout(() => { this.start(); if (Vigil.app) Vigil.app.render(); }, 1000);
    });
  },

  stop() {
    clearTimeout(this.retryTimer);
    if (this.source) this.source.close();
    this.source = null;
    this.state("off", "not live");
  },

  state(cls, text) {
    const badge = document.getElementById("live");
    if (!badge) return;
    badge.className = "live " + cls;
    badge.textContent = text;
  },

  dispatch(kind, text) {
    let data;
    try { data = JSON.parse(text); } catch (error) { return; }
    for (const listener of Array.from(this.listeners)) {
      try { listener(kind, data); } catch (error) { console.warn("live listener failed", error); }
    }
  },

  /// Calls listener(kind, data) for each update: kind "event" ({sequence, event}), "decision"
  /// (the decision with its id) or "alert" ({id, event, status, rule, target, …}). Returns the
  /// function that stops it.
  on(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  },

  /// Listeners belong to the page shown; a new page starts with none.
  reset() {
    this.listeners.clear();
  },
};
"""#
}
