/** The report's inline stylesheet (the page loads no external resources). */
export const REPORT_CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f;
  margin: 0; background: #f6f7f9; }
header { background: #1f2937; color: #f9fafb; padding: 18px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; color: #d1d5db; }
main { max-width: 1280px; margin: 0 auto; padding: 8px 32px 40px; }
section { margin-top: 24px; }
h2 { font-size: 18px; border-bottom: 1px solid #d1d5db; padding-bottom: 4px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.charts h2 { flex-basis: 100%; }
figure { margin: 0; background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; padding: 12px;
  box-shadow: 0 1px 2px rgba(0,0,0,.04); }
figcaption h3 { margin: 0; font-size: 15px; }
figcaption p { margin: 2px 0 8px; color: #4b5563; font-size: 12.5px; max-width: 640px; }
.chart svg { display: block; max-width: 100%; height: auto; }
table { border-collapse: collapse; background: #fff; font-variant-numeric: tabular-nums;
  margin: 6px 0 10px; }
th, td { border: 1px solid #e5e7eb; padding: 5px 10px; text-align: right; white-space: nowrap; }
th { background: #f3f4f6; font-weight: 600; }
td:first-child, th:first-child { text-align: left; }
table[data-table="detection-clients"] td:last-child { text-align: left; white-space: normal; }
p.note { color: #6b7280; }
p.summary { font-weight: 600; }
`;
