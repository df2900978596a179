/** The API docs page's stylesheet (served as /api-docs/docs.css): light and dark after the OS, no web fonts. */
export const API_DOCS_STYLE = String.raw`:root { color-scheme: light dark; --bg: #fff; --fg: #1a1b1e; --muted: #5c5f66; --line: #dee2e6; --soft: #f5f6f8; --accent: #1c7ed6; --ok: #2b8a3e; --bad: #c92a2a; }
@media (prefers-color-scheme: dark) { :root { --bg: #1a1b1e; --fg: #e9ecef; --muted: #a6a7ab; --line: #373a40; --soft: #25262b; --accent: #4dabf7; --ok: #69db7c; --bad: #ff8787; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--accent); }
.skip { position: absolute; left: -9999px; } .skip:focus { left: 8px; top: 8px; background: var(--bg); padding: 6px 10px; z-index: 10; }
header.top { display: flex; flex-wrap: wrap; gap: 12px 24px; align-items: flex-end; justify-content: space-between; padding: 16px 24px; border-bottom: 1px solid var(--line); position: sticky; top: 0; background: var(--bg); z-index: 5; }
header.top h1 { margin: 0; font-size: 22px; }
header.top .meta { color: var(--muted); font-size: 13px; }
.keybox { display: flex; flex-direction: column; gap: 2px; min-width: 280px; }
.keybox label { font-size: 13px; font-weight: 600; }
.keybox small { color: var(--muted); }
input, textarea { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; width: 100%; }
input:focus-visible, textarea:focus-visible, button:focus-visible, summary:focus-visible, a:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; }
.lead { color: var(--muted); }
.toc ul { list-style: none; padding-left: 0; margin: 4px 0; } .toc ul ul { padding-left: 16px; }
.toc li { margin: 2px 0; }
.toc a { text-decoration: none; }
.tag > h2 { text-transform: capitalize; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 32px; }
.op { border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin: 16px 0; scroll-margin-top: 128px; }
.op h3 { margin: 0 0 4px; font-size: 17px; }
.op h4 { margin: 12px 0 4px; font-size: 14px; }
.summary { margin: 4px 0; font-weight: 500; }
.note { color: var(--muted); margin: 4px 0; }
.error { color: var(--bad); font-weight: 500; }
.method { display: inline-block; min-width: 56px; text-align: center; border-radius: 4px; padding: 1px 6px; font-size: 12px; font-weight: 700; color: #fff; background: #495057; font-family: ui-monospace, Menlo, Consolas, monospace; }
.m-get { background: #1971c2; } .m-post { background: #2b8a3e; } .m-put, .m-patch { background: #e67700; } .m-delete { background: #c92a2a; }
code, .code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
pre.code { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; overflow: auto; max-height: 360px; white-space: pre-wrap; word-break: break-word; }
table.params { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 14px; }
table.params caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
table.params th, table.params td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; }
.responses { list-style: none; padding: 0; margin: 0; }
.responses li { margin: 4px 0; }
.code-status { display: inline-block; min-width: 40px; font-weight: 700; font-family: ui-monospace, Menlo, Consolas, monospace; }
.s2 { color: var(--ok); } .s4, .s5 { color: var(--bad); }
details.schema > summary, details.try-panel > summary { cursor: pointer; color: var(--accent); margin: 4px 0; }
details.try-panel { margin-top: 10px; border-top: 1px dashed var(--line); padding-top: 6px; }
details.try-panel > summary { font-weight: 600; }
form.try { display: flex; flex-direction: column; gap: 8px; margin-top: 6px; }
.field label { display: block; font-size: 13px; font-weight: 600; margin-bottom: 2px; }
button.send { align-self: flex-start; font: inherit; font-weight: 600; color: #fff; background: var(--accent); border: 0; border-radius: 6px; padding: 6px 14px; cursor: pointer; }
button.send:disabled { opacity: 0.6; cursor: default; }
.status { font-weight: 700; margin: 6px 0 2px; } .status.ok { color: var(--ok); } .status.bad { color: var(--bad); }
`;
