//! The app's stylesheet: mobile first (360 × 800 portrait), touch targets of
//! at least 56 px with space between them (gloves), high contrast for
//! sunlight, a dark theme for nights, and a layout that does not move under
//! the finger (the status line and the timer's guidance keep their height).

pub const CSS: &str = r#"
:root { --bg:#ffffff; --fg:#111418; --muted:#4a5360; --card:#f1f3f6; --line:#c9ced6;
  --accent:#0b4fa8; --accent-fg:#ffffff; --ok:#17692c; --warn:#8a5a00; --bad:#a4161a; --mark:#0b4fa8; }
[data-theme="dark"] { --bg:#0d1117; --fg:#f0f3f6; --muted:#a7b0bb; --card:#1b222c; --line:#3a4452;
  --accent:#4d9bff; --accent-fg:#0d1117; --ok:#5fd37b; --warn:#f2c14e; --bad:#ff7b72; --mark:#4d9bff; }
@media (prefers-color-scheme: dark) { [data-theme="system"] { --bg:#0d1117; --fg:#f0f3f6; --muted:#a7b0bb;
  --card:#1b222c; --line:#3a4452; --accent:#4d9bff; --accent-fg:#0d1117; --ok:#5fd37b; --warn:#f2c14e;
  --bad:#ff7b72; --mark:#4d9bff; } }
* { box-sizing: border-box; }
html, body { margin:0; padding:0; }
.app { min-height:100vh; background:var(--bg); color:var(--fg); font-family:"DejaVu Sans", system-ui, sans-serif;
  font-size:18px; line-height:1.35; max-width:480px; margin:0 auto; padding-bottom:24px; }
.top { position:sticky; top:0; z-index:10; background:var(--bg); }
header.bar { display:flex; align-items:center; gap:8px; padding:8px 12px; border-bottom:1px solid var(--line); }
header.bar h1 { font-size:20px; margin:0; flex:1; }
.sync { padding:6px 12px; font-size:16px; border-bottom:1px solid var(--line); display:flex; gap:8px; align-items:center;
  height:60px; overflow:hidden; }
.sync > div { min-width:0; flex:1; }
.sync strong { display:block; white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
.sync .dot { width:14px; height:14px; border-radius:7px; background:var(--ok); flex:none; }
.sync.waiting .dot { background:var(--warn); } .sync.failed .dot { background:var(--bad); }
.sync .why { color:var(--muted); display:block; font-size:14px; white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
button.ongoing { display:block; width:100%; min-height:48px; border-radius:0; border:0; border-bottom:2px solid var(--warn);
  background:var(--card); font-weight:bold; text-align:left; white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
.notice { padding:8px 12px; border-bottom:2px solid var(--warn); background:var(--card); display:flex; gap:10px; align-items:center; }
.notice p { margin:0; flex:1; font-size:15px; }
.notice.conflict { flex-wrap:wrap; }
.notice.conflict blockquote { margin:6px 0 0; padding:6px 10px; border-left:3px solid var(--warn); white-space:pre-wrap; }
main { padding:12px; }
button, .btn { min-height:56px; min-width:56px; font-size:18px; border-radius:10px; border:2px solid var(--line);
  background:var(--card); color:var(--fg); padding:8px 14px; cursor:pointer; }
button.primary { background:var(--accent); color:var(--accent-fg); border-color:var(--accent); font-weight:bold; }
button.big { width:100%; min-height:64px; font-size:20px; margin:6px 0; }
button.on { background:var(--accent); color:var(--accent-fg); border-color:var(--accent); }
button:focus-visible, input:focus-visible, textarea:focus-visible, select:focus-visible { outline:3px solid var(--mark); outline-offset:2px; }
label { display:block; font-weight:bold; margin:12px 0 4px; }
input, textarea, select { width:100%; min-height:48px; font-size:18px; padding:8px; border-radius:8px;
  border:2px solid var(--line); background:var(--bg); color:var(--fg); }
textarea { min-height:110px; }
.reminder { color:var(--warn); font-size:15px; margin:4px 0; }
.problem { color:var(--bad); font-size:15px; margin:4px 0; }
.card { background:var(--card); border-radius:12px; padding:10px 12px; margin:8px 0; }
.list { list-style:none; padding:0; margin:0; }
.list li { margin:6px 0; }
.list button { width:100%; text-align:left; }
.row { display:flex; gap:8px; align-items:center; }
.row > * { flex:1; }
.counter { display:flex; align-items:center; gap:8px; margin:6px 0; }
.counter .label { flex:1; } .counter .value { font-size:28px; min-width:48px; text-align:center; font-weight:bold; }
.timer { font-size:64px; font-weight:bold; text-align:center; font-variant-numeric:tabular-nums; margin:8px 0; }
.track { position:relative; height:18px; background:var(--card); border:1px solid var(--line); border-radius:9px; margin:8px 0 26px; }
.track .fill { position:absolute; left:0; top:0; bottom:0; background:var(--accent); border-radius:9px; }
.track .mark { position:absolute; top:-4px; bottom:-4px; width:3px; background:var(--fg); }
.track .mark span { position:absolute; top:24px; left:-30px; font-size:14px; width:60px; text-align:center; white-space:nowrap; }
.track .mark.passed span { font-weight:bold; color:var(--ok); }
.phase { text-align:center; font-weight:bold; min-height:2.7em; margin:4px 0; }
.tags { display:flex; flex-wrap:wrap; gap:10px; }
.seg { display:flex; gap:10px; margin:6px 0; } .seg button { flex:1; font-size:15px; padding:4px 2px; min-height:56px; min-width:0; overflow-wrap:anywhere; }
.muted { color:var(--muted); font-size:15px; }
.refused { color:var(--bad); }
details.add summary { display:block; list-style:none; margin:6px 0; }
details.add summary::-webkit-details-marker { display:none; }
.plan .plan-row { display:flex; justify-content:space-between; align-items:center; gap:12px; width:100%; text-align:left; }
.plan .plan-row .name { flex:1; min-width:0; font-weight:bold; overflow-wrap:anywhere; }
.plan .plan-row .figures { flex:none; text-align:right; font-size:15px; font-variant-numeric:tabular-nums; }
.plan .plan-row.done { border-color:var(--ok); }
select { min-height:56px; font-size:20px; }
.apart { margin-top:40px; padding-top:16px; border-top:2px dashed var(--line); }
button.danger { background:var(--bad); color:#ffffff; border-color:var(--bad); font-weight:bold; }
button.quiet-danger { background:transparent; color:var(--bad); border-color:var(--bad); width:100%; }
.confirm { background:var(--card); border:2px solid var(--warn); border-radius:12px; padding:8px 12px; margin:6px 0; }
.list button.venue { display:flex; flex-direction:column; align-items:flex-start; gap:2px; }
.list button.venue .name { font-weight:bold; }
.read-back { overflow-wrap:anywhere; }
.read-back .remark { border-left:6px solid var(--warn); }
.read-back .comment { font-size:20px; margin:6px 0 0; }
.read-back .items { padding-left:18px; } .read-back .items li { margin:6px 0; }
"#;
