// The dashboard's one page: the header and the scripts it loads (no inline script: CSP).
extension DashboardAssets {
    static let indexHTML = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vigil</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/base.css">
<link rel="stylesheet" href="/dashboard/components.css">
<script defer src="/dashboard/util.js"></script>
<script defer src="/dashboard/api.js"></script>
<script defer src="/dashboard/live.js"></script>
<script defer src="/dashboard/charts.js"></script>
<script defer src="/dashboard/network.js"></script>
<script defer src="/dashboard/site.js"></script>
<script defer src="/dashboard/charger.js"></script>
<script defer src="/dashboard/errors.js"></script>
<script defer src="/dashboard/remediation.js"></script>
<script defer src="/dashboard/audit.js"></script>
<script defer src="/dashboard/app.js"></script>
</head>
<body>
<header class="top">
  <a class="brand" href="#/network">Vigil</a>
  <nav id="nav" aria-label="Pages">
    <a href="#/network" data-page="network">Network</a>
    <a href="#/errors" data-page="errors">Recurring errors</a>
    <a href="#/remediation" data-page="remediation">Remediation</a>
    <a href="#/audit" data-page="audit">Audit</a>
  </nav>
  <div class="status">
    <span id="live" class="live off" title="Live updates (Server-Sent Events)">not live</span>
    <span id="who" class="who"></span>
    <button id="logout" class="link-button" type="button" hidden>Sign out</button>
  </div>
</header>
<main id="view" aria-live="polite"><p class="muted">Loading…</p></main>
<noscript><p class="notice">The Vigil dashboard needs JavaScript.</p></noscript>
</body>
</html>
"""#
}
