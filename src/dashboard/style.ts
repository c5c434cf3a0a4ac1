/** The dashboard's icon: two halves of a split square. */
export const dashboardIcon = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path fill="#0b5cad" d="M1 1h6v14H1zM9 1h6v14H9z"/></svg>';

/** The dashboard's whole stylesheet: system fonts, no images, readable in light and dark schemes. */
export const dashboardCss = `
:root { color-scheme: light dark; --fg: #1d232a; --muted: #5b6672; --bg: #f5f7f9; --card: #fff; --line: #dde3e8; --accent: #0b5cad; --ok: #1a7f37; --warn: #b35900; --bad: #c62828; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6eaee; --muted: #9aa6b2; --bg: #14181c; --card: #1c2228; --line: #2c343c; --accent: #6cb0ff; --ok: #4cc76a; --warn: #f0a040; --bad: #ff6b6b; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: center; gap: 1rem; padding: .6rem 1.2rem; background: var(--card); border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.15rem; margin: 0 auto 0 0; }
header .who { color: var(--muted); }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 540px), 1fr)); gap: 1rem; padding: 1rem 1.2rem; }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; overflow-x: auto; }
.panel h2 { font-size: 1rem; margin: 0 0 .5rem; }
.panel .note { color: var(--muted); margin: .3rem 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .45rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: .85rem; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge, code { white-space: nowrap; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .8rem; border: 1px solid currentColor; }
.online, .acknowledged { color: var(--ok); }
.offline, .idle { color: var(--muted); }
.open, .error { color: var(--bad); }
.tag { display: inline-block; margin: 0 .25rem .15rem 0; padding: 0 .35rem; border-radius: 4px; background: var(--bg); font-size: .8rem; }
a { color: var(--accent); }
button { font: inherit; padding: .25rem .7rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.quiet { background: transparent; color: var(--accent); }
button:focus-visible, a:focus-visible, input:focus-visible { outline: 3px solid var(--warn); outline-offset: 2px; }
form.inline { display: inline; margin: 0; }
.login { max-width: 22rem; margin: 12vh auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1.5rem; }
.login h1 { font-size: 1.3rem; margin-top: 0; }
.login label { display: block; margin: .8rem 0 .2rem; }
.login input { width: 100%; font: inherit; padding: .4rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
.login button { margin-top: 1rem; width: 100%; padding: .5rem; }
[role=alert] { color: var(--bad); }
`;
