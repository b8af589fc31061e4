/** The report's stylesheet, inlined in the HTML report and the live page (no external fonts). */
export const REPORT_CSS = `
:root{--ink:#1d2530;--muted:#5f6b7a;--line:#e1e6ed;--bg:#f5f7fa;--card:#fff;--ok:#2e7d32;--ok-bg:#e8f5e9;--bad:#c62828;--bad-bg:#fdecea;--none:#546e7a;--none-bg:#eceff1;--warn:#a15c00;--warn-bg:#fff4e0;--accent:#1f5fbf}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
.page{max-width:1180px;margin:0 auto;padding:28px 28px 48px}
h1,h2,h3,h4,h5{line-height:1.25;margin:0}
h1{font-size:26px;font-weight:700;letter-spacing:-.01em}
h2{font-size:19px;font-weight:650;margin:34px 0 12px}
h3{font-size:15px;font-weight:650;margin:22px 0 10px;color:#34404f}
h4{font-size:14px;font-weight:650}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em}
.report-header{display:flex;justify-content:space-between;align-items:flex-end;gap:16px;border-bottom:3px solid var(--accent);padding-bottom:14px}
.eyebrow{margin:0 0 4px;color:var(--accent);font-weight:650;font-size:12px;letter-spacing:.08em;text-transform:uppercase}
.meta{margin:6px 0 0;color:var(--muted)}
.meta strong{color:var(--ink)}
.summary{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:12px;margin-top:20px}
.stat{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.stat .n{display:block;font-size:24px;font-weight:700}
.stat .l{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.05em}
.stat.violated .n{color:var(--bad)}.stat.ok .n{color:var(--ok)}.stat.no-data .n{color:var(--none)}
.table-wrap{overflow-x:auto;background:var(--card);border:1px solid var(--line);border-radius:8px}
table{border-collapse:collapse;width:100%;font-size:13px}
caption{text-align:left;padding:10px 12px;color:var(--muted);caption-side:top}
th,td{padding:8px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{background:#f0f3f7;font-size:12px;color:#3b4654;font-weight:650}
table:not(.compliance) tbody tr:last-child th,table:not(.compliance) tbody tr:last-child td{border-bottom:0}
tbody th{font-weight:600}
table.compliance th[scope=row]{min-width:130px;overflow-wrap:anywhere}
table.compliance td:nth-of-type(1){min-width:150px}
thead th.num{white-space:normal}
tr.group th{background:#f8fafc;font-size:12.5px;color:var(--accent);font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding-top:10px;overflow-wrap:anywhere}
td.num,th.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.sub{display:block;color:var(--muted);font-size:12px;font-weight:400}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:650;white-space:nowrap;border:1px solid transparent}
.badge.ok{color:var(--ok);background:var(--ok-bg);border-color:#b9dfbc}
.badge.violated{color:var(--bad);background:var(--bad-bg);border-color:#f3b8b3}
.badge.no-data{color:var(--none);background:var(--none-bg);border-color:#cfd8dc}
.usage{display:flex;align-items:center;gap:8px;justify-content:flex-end}
.usage .bar{width:44px;height:6px;border-radius:3px;background:#e6eaf0;overflow:hidden}
.usage .bar span{display:block;height:100%;background:var(--ok)}
.usage.over .bar span{background:var(--bad)}
.burn-cell{white-space:nowrap;font-variant-numeric:tabular-nums;min-width:120px}
.burn-cell .sub{white-space:normal}
.burn-cell.alerting{color:var(--bad);font-weight:650}
.labels{display:flex;flex-wrap:wrap;gap:4px;margin-top:4px}
.label{font-size:11px;background:#eef2f7;color:#3b4654;border-radius:4px;padding:0 6px}
.service{margin-top:36px;padding-top:6px;border-top:1px solid var(--line)}
.service>h2{margin-top:18px}
.service-name{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.service .seen{color:var(--muted);font-size:13px;margin:-6px 0 6px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:16px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px;break-inside:avoid;page-break-inside:avoid}
.card.violated{border-left:4px solid var(--bad)}.card.ok{border-left:4px solid var(--ok)}.card.no-data{border-left:4px solid #b0bec5}
.card-head{display:flex;justify-content:space-between;gap:10px;align-items:flex-start}
.card-head p{margin:2px 0 0;color:var(--muted);font-size:12.5px}
.figures{display:flex;gap:18px;flex-wrap:wrap;margin:10px 0 4px;font-size:13px}
.figures b{font-variant-numeric:tabular-nums}
figure{margin:6px 0 0}
figcaption{color:var(--muted);font-size:12.5px;margin-top:4px}
svg.chart{display:block;width:100%;height:auto;max-width:100%}
.burn{margin-top:10px}
.burn h5{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);margin:0 0 4px}
.note{color:var(--muted);font-size:13px;margin:6px 0}
.panel{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px;break-inside:avoid;page-break-inside:avoid}
.legend{list-style:none;margin:10px 0 0;padding:0;display:flex;flex-wrap:wrap;gap:6px 16px;font-size:12.5px}
.legend li{display:flex;align-items:center;gap:6px}
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.swatch.hatched{background-image:repeating-linear-gradient(45deg,rgba(255,255,255,.5) 0 2px,transparent 2px 4px)!important}
.legend .cat{color:var(--muted);font-size:11px}
.recs{display:grid;gap:12px}
.rec{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 16px;break-inside:avoid;page-break-inside:avoid}
.rec-head{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.rec p{margin:6px 0}
.sev{font-size:11px;font-weight:700;text-transform:uppercase;letter-spacing:.05em;border-radius:4px;padding:1px 6px;background:var(--none-bg);color:var(--none)}
.sev.critical,.sev.high,.sev.error{background:var(--bad-bg);color:var(--bad)}
.sev.warning,.sev.medium{background:var(--warn-bg);color:var(--warn)}
.sev.info,.sev.low{background:#e8f0fe;color:var(--accent)}
.kind{color:var(--muted);font-size:12px}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0 0;font-size:12.5px}
dl.kv dt{color:var(--muted)}
dl.kv dd{margin:0;overflow-wrap:anywhere}
.evidence{margin-top:8px;border-top:1px dashed var(--line);padding-top:6px}
.evidence h5{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);margin:0}
table.mini{font-size:12px;margin-top:4px}
table.mini th,table.mini td{padding:3px 8px}
.empty{background:var(--card);border:1px dashed #c5ced9;border-radius:10px;padding:18px;color:var(--muted)}
footer.report-footer{margin-top:40px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:12px}
@media (max-width:640px){.page{padding:16px}.cards{grid-template-columns:1fr}}
@media print{
  body{background:#fff;font-size:11px}
  .page{max-width:none;padding:0}
  .card,.panel,.rec,.stat,.table-wrap{border-color:#ccc;box-shadow:none}
  .service{break-before:auto}
  h2,h3{break-after:avoid;page-break-after:avoid}
  .cards{grid-template-columns:1fr 1fr}
  .table-wrap{overflow:visible}
  table{font-size:10px}
  th,td{padding:4px 5px}
  .burn-cell,td.num,th.num{white-space:normal}
  .badge,.swatch,.usage .bar span,.sev{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  .livebar,.token-form{display:none!important}
}
`;

/** Extra styles of the live page (status bar and token form). */
export const LIVE_CSS = `
.livebar{position:sticky;top:0;z-index:2;display:flex;align-items:center;gap:10px;padding:8px 28px;background:#0f2747;color:#e8eef7;font-size:13px}
.livebar .dot{width:8px;height:8px;border-radius:50%;background:#4caf50;box-shadow:0 0 0 3px rgba(76,175,80,.25)}
.livebar.stale .dot{background:#ffb300;box-shadow:0 0 0 3px rgba(255,179,0,.25)}
.livebar .spacer{flex:1}
.livebar button{font:inherit;font-size:12px;color:#e8eef7;background:transparent;border:1px solid #5a7398;border-radius:4px;padding:2px 8px;cursor:pointer}
.token-form{max-width:460px;margin:40px auto;background:#fff;border:1px solid var(--line);border-radius:10px;padding:20px 22px}
.token-form h2{margin:0 0 8px}
.token-form p{color:var(--muted);margin:0 0 12px}
.token-form .row{display:flex;gap:8px}
.token-form input{flex:1;font:inherit;padding:7px 10px;border:1px solid #c5ced9;border-radius:6px}
.token-form button{font:inherit;font-weight:600;padding:7px 14px;border:0;border-radius:6px;background:var(--accent);color:#fff;cursor:pointer}
.token-form .error{color:var(--bad);margin:10px 0 0}
[hidden]{display:none!important}
`;
