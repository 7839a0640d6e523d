/** The live page's stylesheet: system fonts only, light and dark schemes from `prefers-color-scheme`. */
export const PAGE_STYLE = String.raw`
:root {
  color-scheme: light dark;
  --bg: #f4f6f8; --panel: #ffffff; --text: #1f2328; --muted: #656d76; --grid: #e6e9ed; --border: #d8dee4;
  --accent: #1a7f37;
  --s0: #2563eb; --s1: #d97706; --s2: #dc2626; --s3: #7c3aed; --s4: #059669; --s5: #db2777; --s6: #0891b2; --s7: #65a30d;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --panel: #161b22; --text: #e6edf3; --muted: #8d96a0; --grid: #262c36; --border: #30363d;
    --accent: #3fb950;
    --s0: #60a5fa; --s1: #fbbf24; --s2: #f87171; --s3: #a78bfa; --s4: #34d399; --s5: #f472b6; --s6: #22d3ee; --s7: #a3e635;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); }
.muted { color: var(--muted); font-weight: 400; }
.top {
  position: sticky; top: 0; z-index: 1; display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px;
  padding: 10px 16px; background: var(--panel); border-bottom: 1px solid var(--border);
}
.top h1 { margin: 0; font-size: 18px; }
#apps { display: flex; flex-wrap: wrap; gap: 6px; }
#apps button {
  font: inherit; color: var(--text); background: transparent; border: 1px solid var(--border); border-radius: 999px;
  padding: 2px 12px; cursor: pointer;
}
#apps button[aria-pressed="true"] { background: var(--text); color: var(--panel); border-color: var(--text); }
#filter {
  font: inherit; color: var(--text); background: var(--bg); border: 1px solid var(--border); border-radius: 6px;
  padding: 4px 8px; width: 14em; max-width: 100%;
}
.status { margin: 0 0 0 auto; color: var(--muted); font-size: 13px; white-space: nowrap; }
.status::before { content: "●"; margin-right: 6px; color: var(--muted); }
.status.live::before { color: var(--accent); }
main { padding: 16px; max-width: 1600px; margin: 0 auto; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(290px, 1fr)); gap: 12px; }
.section { margin: 20px 0 8px; font-size: 13px; font-weight: 600; color: var(--muted); letter-spacing: .02em; }
.panel { background: var(--panel); border: 1px solid var(--border); border-radius: 8px; padding: 10px 12px 6px; min-width: 0; }
.panel header { display: flex; align-items: baseline; justify-content: space-between; gap: 8px; }
.panel h3 { margin: 0; font-size: 14px; font-weight: 600; overflow-wrap: anywhere; }
.unit { color: var(--muted); font-size: 12px; white-space: nowrap; }
.legend { list-style: none; margin: 6px 0 2px; padding: 0; display: flex; flex-wrap: wrap; gap: 2px 14px; font-size: 12px; }
.legend li { display: flex; align-items: center; gap: 5px; white-space: nowrap; }
.legend .label { color: var(--muted); }
.legend .latest { font-weight: 600; font-variant-numeric: tabular-nums; }
.swatch { width: 10px; height: 3px; border-radius: 2px; background: currentColor; }
/* A series read in the legend only (another unit than the chart): a hollow swatch. */
.legend-only .swatch { background: none; border: 1px dashed currentColor; height: 1px; }
.chart { display: block; width: 100%; height: 120px; overflow: visible; }
.chart .gridline { stroke: var(--grid); stroke-width: 1; }
.chart text { fill: var(--muted); font-size: 10px; font-variant-numeric: tabular-nums; }
.chart .line { fill: none; stroke: currentColor; stroke-width: 1.6; stroke-linejoin: round; stroke-linecap: round; }
.chart .dot { fill: currentColor; }
.chart .line.limit { stroke-dasharray: 5 4; stroke-width: 1.3; }
.chart .band rect { fill: currentColor; }
.legend li.band .swatch { height: 10px; opacity: .45; }
.legend li.limit .swatch { background: repeating-linear-gradient(90deg, currentColor 0 3px, transparent 3px 5px); }
.chart .rule { stroke: var(--muted); stroke-width: 1; stroke-dasharray: 3 3; }
.chart .at { fill: var(--text); font-weight: 600; }
.chart { touch-action: pan-y; }
.s0 { color: var(--s0); } .s1 { color: var(--s1); } .s2 { color: var(--s2); } .s3 { color: var(--s3); }
.s4 { color: var(--s4); } .s5 { color: var(--s5); } .s6 { color: var(--s6); } .s7 { color: var(--s7); }
.legend li.s0 .label, .legend li.s1 .label, .legend li.s2 .label, .legend li.s3 .label,
.legend li.s4 .label, .legend li.s5 .label, .legend li.s6 .label, .legend li.s7 .label { color: var(--muted); }
.legend .latest { color: var(--text); }
.notice { margin: 16px 0 0; padding: 8px 12px; border: 1px dashed var(--border); border-radius: 8px; color: var(--muted); }
.empty { padding: 24px 0; color: var(--muted); }
.empty pre { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--panel); border: 1px solid var(--border); border-radius: 8px; padding: 12px; color: var(--text); }
@media (max-width: 600px) {
  main { padding: 10px; }
  .top { padding: 8px 10px; }
  #filter { width: 100%; order: 3; }
  .status { margin-left: 0; }
}
`;
