// SVG charts drawn by the page: bars and a stacked bar of connector states.
extension DashboardAssets {
    static let chartsJS = #"""
"use strict";
// Charts drawn as SVG by the page itself: bars (peak hours, energy per day) and a stacked bar
// of connector states. Colours come from components.css classes.
Vigil.charts = {
  /// values: numbers; labels: text under each bar (shown every `every` bars); format(value) for tooltips.
  bars(values, labels, options = {}) {
    const width = 640, height = options.height || 180, left = 34, bottom = 22, top = 8;
    const max = Math.max(1, ...values);
    const step = (width - left) / Math.max(1, values.length);
    const every = options.every || 1;
    const format = options.format || ((v) => String(v));
    const chart = Vigil.svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": options.title || "chart" });
    chart.appendChild(Vigil.svg("line", { class: "axis", x1: left, y1: height - bottom, x2: width, y2: height - bottom }));
    for (const fraction of [0.5, 1]) {
      const y = height - bottom - (height - bottom - top) * fraction;
      chart.appendChild(Vigil.svg("line", { class: "axis", x1: left, y1: y, x2: width, y2: y }));
      chart.appendChild(Vigil.svg("text", { x: left - 4, y: y + 3, "text-anchor": "end" }, format(Math.round(max * fraction * 100) / 100)));
    }
    values.forEach((value, index) => {
      const barHeight = (height - bottom - top) * (value / max);
      const x = left + index * step + step * 0.15;
      const bar = Vigil.svg("rect", { class: "bar", x: x.toFixed(1), y: (height - bottom - barHeight).toFixed(1),
        width: (step * 0.7).toFixed(1), height: Math.max(0, barHeight).toFixed(1) });
      bar.appendChild(Vigil.svg("title", {}, `${labels[index]}: ${format(value)}`));
      chart.appendChild(bar);
      if (index % every === 0) {
        chart.appendChild(Vigil.svg("text", { x: (left + index * step + step / 2).toFixed(1), y: height - 6, "text-anchor": "middle" }, labels[index]));
      }
    });
    return chart;
  },

  /// counts: {Status: n}; a bar split by state, with a legend.
  stack(counts) {
    const entries = Object.entries(counts || {}).filter(([, n]) => n > 0).sort((a, b) => a[0].localeCompare(b[0]));
    const total = entries.reduce((sum, [, n]) => sum + n, 0);
    const width = 300, height = 14;
    const chart = Vigil.svg("svg", { class: "chart stack", viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": entries.map(([s, n]) => `${n} ${s}`).join(", ") || "no connectors" });
    let x = 0;
    for (const [status, count] of entries) {
      const w = (width * count) / total;
      const rect = Vigil.svg("rect", { class: Vigil.statusClass(status), x: x.toFixed(2), y: 0, width: w.toFixed(2), height });
      rect.appendChild(Vigil.svg("title", {}, `${status}: ${count}`));
      chart.appendChild(rect);
      x += w;
    }
    if (total === 0) chart.appendChild(Vigil.svg("rect", { class: "st-unavailable", x: 0, y: 0, width, height }));
    const legend = Vigil.el("div", { class: "legend" }, entries.map(([status, count]) => Vigil.el("span", {}, Vigil.badge(status), " ", String(count))));
    return Vigil.el("div", {}, chart, legend);
  },
};
"""#
}
