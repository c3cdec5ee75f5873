/** The report's one stylesheet: system fonts, light and dark, narrow screens, visible focus. Its hash is in the page's CSP. */
export const STYLE = `:root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fff;--muted:#5a5a5a;--line:#d0d0d0;--ok:#146c2e;--bad:#b00020;--link:#0b57d0}
@media (prefers-color-scheme:dark){:root{--fg:#e8e8e8;--bg:#141414;--muted:#b0b0b0;--line:#3a3a3a;--ok:#6fdc8c;--bad:#ff8a80;--link:#8ab4f8}}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:72rem;padding:1rem}
h1{font-size:1.6rem}h2{font-size:1.3rem;margin-top:2rem;border-top:1px solid var(--line);padding-top:1rem}
a{color:var(--link)}a:focus{outline:3px solid var(--link);outline-offset:2px}
table{border-collapse:collapse;width:100%;display:block;overflow-x:auto;margin:.5rem 0}caption{text-align:left;color:var(--muted)}
th,td{border-bottom:1px solid var(--line);padding:.35rem .6rem;text-align:left;white-space:nowrap}td.wrap{white-space:normal;min-width:16rem}
.ok{color:var(--ok)}.bad{color:var(--bad);font-weight:600}
figure{margin:1rem 0}svg{width:100%;max-width:40rem;height:auto}svg .axis{stroke:var(--muted)}svg text{font:11px system-ui,sans-serif}svg .axis-label{fill:var(--muted)}
svg .drop{fill:none;stroke:var(--bad);stroke-width:2}`;
