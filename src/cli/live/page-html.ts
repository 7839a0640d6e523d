/**
 * The live page's HTML. It loads only its own stylesheet and script from the receiver (the
 * Content-Security-Policy in assets.ts forbids anything else), so it works offline.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>hmetrics live</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="page.css">
<script src="page.js" defer></script>
</head>
<body>
<header class="top">
  <h1>hmetrics <span class="muted">live</span></h1>
  <nav id="apps" aria-label="Apps"></nav>
  <input id="filter" type="search" placeholder="Filter series" aria-label="Filter series" autocomplete="off">
  <p id="status" class="status" role="status">connecting…</p>
</header>
<main>
  <div id="empty" class="empty" hidden>
    <p>Waiting for the first payload. Point an app at this receiver:</p>
    <pre id="hint"></pre>
  </div>
  <div id="core" class="grid"></div>
  <p id="notice" class="notice" hidden></p>
  <div id="others"></div>
</main>
</body>
</html>
`;
