// Colours, type and the page layout (responsive).
extension DashboardAssets {
    static let baseCSS = #"""
/* Vigil dashboard: colours, type, page layout. Components are in components.css. */
:root {
  --bg: #f4f6f8; --panel: #ffffff; --ink: #1d2733; --muted: #5d6b7a; --line: #dde3ea;
  --accent: #0b5cad; --accent-ink: #ffffff;
  --green: #1f8a4c; --blue: #1c64c8; --teal: #13808a; --amber: #b7791f; --red: #c62f2f;
  --purple: #6b46c1; --grey: #8a96a3; --dark: #4a5561;
  --radius: 8px; --gap: 16px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 15px; line-height: 1.45; color: var(--ink); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; }
a { color: var(--accent); text-decoration: none; }
a:hover, a:focus { text-decoration: underline; }
h1 { font-size: 1.45rem; margin: 0 0 4px; }
h2 { font-size: 1.05rem; margin: 0 0 12px; }
h3 { font-size: .95rem; margin: 12px 0 6px; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; }

header.top {
  position: sticky; top: 0; z-index: 10; display: flex; flex-wrap: wrap; align-items: center;
  gap: 8px 20px; padding: 10px 20px; background: #15202b; color: #e8eef4;
}
header.top .brand { color: #ffffff; font-weight: 700; font-size: 1.15rem; letter-spacing: .02em; }
header.top nav { display: flex; flex-wrap: wrap; gap: 4px 14px; flex: 1; }
header.top nav a { color: #c8d3de; padding: 4px 2px; border-bottom: 2px solid transparent; }
header.top nav a.current { color: #ffffff; border-bottom-color: #5aa9ff; text-decoration: none; }
header.top .status { display: flex; align-items: center; gap: 12px; font-size: .85rem; }
header.top .who { color: #c8d3de; }

main { max-width: 1280px; margin: 0 auto; padding: 20px; }
.page-head { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline; gap: 8px; margin-bottom: 16px; }
.page-head p { margin: 0; color: var(--muted); }
.grid { display: grid; gap: var(--gap); grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); margin-bottom: var(--gap); }
.grid.wide { grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); }
.tiles { display: grid; gap: 12px; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); margin-bottom: var(--gap); }
.muted { color: var(--muted); }
.small { font-size: .82rem; }
.right { text-align: right; }
.nowrap { white-space: nowrap; }
[hidden] { display: none !important; }

@media (max-width: 700px) {
  :root { font-size: 14px; }
  main { padding: 12px; }
  header.top { padding: 8px 12px; justify-content: space-between; }
  header.top nav { order: 3; flex-basis: 100%; gap: 4px 12px; }
  .grid.wide { grid-template-columns: 1fr; }
  .grid { grid-template-columns: 1fr; }
}
"""#
}
