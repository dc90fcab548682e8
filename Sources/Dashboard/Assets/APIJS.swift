// The HTTP API with the user's token from sessionStorage.
extension DashboardAssets {
    static let apiJS = #"""
"use strict";
// The HTTP API with the signed-in user's token (kept in sessionStorage: gone when the tab closes).
Vigil.api = {
  storageKey: "vigil.token",

  token() {
    return sessionStorage.getItem(this.storageKey) || "";
  },

  setToken(token) {
    if (token) sessionStorage.setItem(this.storageKey, token);
    else sessionStorage.removeItem(this.storageKey);
  },

  /// {status, ok, data} — data is the parsed JSON body (null when there is none). A 401 sends
  /// the user back to the login page; every other status is the caller's to show.
  async request(method, path, body) {
    const headers = { Accept: "application/json" };
    const token = this.token();
    if (token) headers.Authorization = "Bearer " + token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
    } catch (error) {
      return { status: 0, ok: false, data: { error: "the server cannot be reached (" + error.message + ")" } };
    }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (error) { data = { error: text.slice(0, 200) }; }
    if (response.status === 401 && Vigil.app) Vigil.app.signedOut("Your token was refused: " + ((data && data.error) || "unauthorized"));
    return { status: response.status, ok: response.ok, data };
  },

  get(path) {
    return this.request("GET", path);
  },

  post(path, body) {
    return this.request("POST", path, body);
  },

  /// Whether a route this server does not have answered (another branch's route not merged yet).
  isMissing(result) {
    return result.status === 404 && result.data && /no resource at/.test(result.data.error || "");
  },

  /// Downloads a GET answer as a file (the audit CSV), with the token in the header.
  async download(path, filename) {
    const headers = {};
    const token = this.token();
    if (token) headers.Authorization = "Bearer " + token;
    const response = await fetch(path, { headers, cache: "no-store" });
    if (!response.ok) {
      let message = "HTTP " + response.status;
      try { message = (await response.json()).error || message; } catch (error) { /* not JSON */ }
      throw new Error(message);
    }
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const anchor = Vigil.el("a", { href: url, download: filename });
    document.body.appendChild(anchor);
    anchor.click();
    anchor.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  },
};
"""#
}
