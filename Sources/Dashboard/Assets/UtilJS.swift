// DOM building (text as text, never HTML), formats, tables.
extension DashboardAssets {
    static let utilJS = #"""
"use strict";
// Shared helpers: DOM building (text is always set as text, never parsed as HTML), formats, tables.
const Vigil = (window.Vigil = {});

Vigil.el = function (tag, attrs, ...children) {
  const node = document.createElement(tag);
  Vigil.apply(node, attrs, children);
  return node;
};

Vigil.svg = function (tag, attrs, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  Vigil.apply(node, attrs, children);
  return node;
};

Vigil.apply = function (node, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.setAttribute("class", value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
};

Vigil.clear = function (node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
};

Vigil.card = function (title, ...content) {
  return Vigil.el("section", { class: "card" }, Vigil.el("h2", {}, title), ...content);
};

Vigil.unavailable = function (what) {
  return Vigil.el("p", { class: "unavailable" }, `${what}: not available on this server.`);
};

Vigil.failure = function (what, result) {
  const detail = result && result.data && result.data.error ? result.data.error : `HTTP ${result ? result.status : "?"}`;
  return Vigil.el("p", { class: "error-box" }, `${what}: ${detail}`);
};

Vigil.tile = function (label, value, tone) {
  return Vigil.el("div", { class: "tile" + (tone ? " " + tone : "") },
    Vigil.el("div", { class: "value" }, value), Vigil.el("div", { class: "label" }, label));
};

Vigil.statusClass = function (status) {
  return "st-" + String(status || "unknown").toLowerCase().replace(/[^a-z]/g, "");
};

Vigil.badge = function (text, cls) {
  return Vigil.el("span", { class: "badge " + (cls || Vigil.statusClass(text)) }, text);
};

Vigil.link = function (href, text) {
  return Vigil.el("a", { href }, text);
};

/// columns: [{label, value(row) -> node|string, num}]
Vigil.table = function (columns, rows, empty) {
  if (!rows || rows.length === 0) return Vigil.el("p", { class: "muted" }, empty || "Nothing to show.");
  const head = Vigil.el("tr", {}, columns.map((c) => Vigil.el("th", { class: c.num ? "num" : null }, c.label)));
  const body = rows.map((row) => Vigil.el("tr", {}, columns.map((c) => {
    const value = c.value(row);
    return Vigil.el("td", { class: c.num ? "num" : c.cls || null }, value === undefined || value === null ? "—" : value);
  })));
  return Vigil.el("div", { class: "table-wrap" }, Vigil.el("table", {}, Vigil.el("thead", {}, head), Vigil.el("tbody", {}, body)));
};

Vigil.fmt = {
  time(iso) {
    if (!iso) return "—";
    const date = new Date(iso);
    if (isNaN(date)) return String(iso);
    const pad = (n) => String(n).padStart(2, "0");
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  },
  percent(value) {
    if (value === null || value === undefined || isNaN(value)) return "—";
    return (value * 100).toFixed(value >= 0.999 || value === 0 ? 0 : 1) + " %";
  },
  duration(seconds) {
    if (seconds === null || seconds === undefined || isNaN(seconds)) return "—";
    const s = Math.round(seconds);
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
    if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
    return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
  },
  kwh(wh) {
    if (wh === null || wh === undefined || isNaN(wh)) return "—";
    return (wh / 1000).toFixed(wh >= 100000 ? 0 : 2) + " kWh";
  },
  number(value) {
    return value === null || value === undefined ? "—" : Number(value).toLocaleString();
  },
};

/// An ISO 8601 time with the browser's offset, as the API's from/to parameters want.
Vigil.isoWithOffset = function (date) {
  const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
};

Vigil.startOfToday = function () {
  const now = new Date();
  return new Date(now.getFullYear(), now.getMonth(), now.getDate());
};

Vigil.daysAgo = function (days) {
  return new Date(Date.now() - days * 86400000);
};

Vigil.query = function (params) {
  const parts = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  return parts.length ? "?" + parts.join("&") : "";
};
"""#
}
