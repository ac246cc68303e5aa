// The console's only style sheet and script, served from memory. Colours meet WCAG AA contrast on white.
export const CSS = `
:root { font: 16px/1.5 system-ui, sans-serif; color: #1a1a1a; background: #fff; }
body { margin: 0; }
header { background: #14304f; color: #fff; padding: .5rem 1.5rem; display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; }
header a, header .link { color: #fff; }
.brand { font-weight: 700; margin: 0; }
nav { display: flex; gap: 1.5rem; align-items: center; flex-wrap: wrap; }
nav ul { list-style: none; display: flex; gap: 1rem; margin: 0; padding: 0; }
nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
main { padding: 1rem 1.5rem 3rem; max-width: 72rem; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; color: #000; padding: .5rem; }
:focus-visible { outline: 3px solid #c75300; outline-offset: 2px; }
a { color: #0b4f9c; }
code { font-family: ui-monospace, monospace; font-size: .95em; }
h1 code, h2 code { font-size: 1em; }
.hint, .count, .id, .note { color: #4a4a4a; }
.approvals { list-style: none; padding: 0; }
.approval { border: 1px solid #8a8a8a; border-left: 6px solid #b35c00; border-radius: 4px; padding: .5rem 1rem 1rem; margin: 0 0 1rem; }
.approval h2 { margin: .25rem 0; font-size: 1.25rem; }
.badge { display: inline-block; font-size: .85rem; font-weight: 600; padding: 0 .5rem; border-radius: 1rem; background: #ececec; color: #1a1a1a; border: 1px solid #6b6b6b; }
.status-approved, .said-approved { background: #dff3e3; border-color: #1d6b31; }
.status-denied, .status-expired, .said-denied { background: #fbe2e2; border-color: #a11d1d; }
.message { font-style: italic; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .5rem 0; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; }
.evidence h4 { margin: .5rem 0 0; }
.verdict-untrusted, .verdict-unseen { color: #a11d1d; font-weight: 700; } .verdict-supplied { color: #1d6b31; font-weight: 700; }
.excerpt { font-family: ui-monospace, monospace; background: #fff6e5; }
pre.json { background: #f4f4f4; border: 1px solid #b8b8b8; padding: .75rem; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
.json .k { color: #6a1b9a; } .json .s { color: #1d5e20; } .json .v { color: #0b4f9c; }
.fold { display: inline; } .fold summary { display: inline; cursor: pointer; }
.stack { display: grid; gap: .4rem; max-width: 40rem; }
label { font-weight: 600; }
input, textarea { font: inherit; padding: .4rem; border: 1px solid #6b6b6b; border-radius: 3px; }
textarea { font-family: ui-monospace, monospace; }
button, .button { font: inherit; font-weight: 600; padding: .45rem 1.1rem; border-radius: 4px; border: 2px solid #14304f; background: #14304f; color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.approve { background: #1d6b31; border-color: #1d6b31; }
button.deny { background: #a11d1d; border-color: #a11d1d; }
button.link { background: none; border: none; padding: 0; text-decoration: underline; font-weight: 400; }
.actions { display: flex; gap: .75rem; }
.inline { display: inline; margin: 0; }
.flash { border: 2px solid; border-radius: 4px; padding: .25rem 1rem; margin: 1rem 0; }
.flash.ok { border-color: #1d6b31; background: #eef8f0; } .flash.error { border-color: #a11d1d; background: #fdf0f0; }
.detail { font-family: ui-monospace, monospace; font-size: .9rem; }
.good { color: #1d6b31; font-weight: 600; } .bad { color: #a11d1d; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; font-size: .95rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid #b8b8b8; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #eef1f5; }
.search { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
.search input { min-width: 24rem; }
h2.file { font-size: 1rem; }
`;

// Live updates: when the server says the pending list changed, fetch it again; keep "time left" ticking.
// Everything works without this script (forms post, pages reload).
export const JS = `
const list = document.getElementById('pending');
if (list && 'EventSource' in window) {
  const events = new EventSource('/events');
  events.addEventListener('change', async () => {
    const res = await fetch('/fragments/pending', { credentials: 'same-origin' });
    if (res.ok) document.getElementById('pending').outerHTML = await res.text();
  });
}
const fmt = (ms) => { const s = Math.max(0, Math.round(ms / 1000)); if (s < 60) return s + ' s';
  const m = Math.floor(s / 60); return m < 60 ? m + ' min ' + String(s % 60).padStart(2, '0') + ' s' : Math.floor(m / 60) + ' h ' + String(m % 60).padStart(2, '0') + ' min'; };
setInterval(() => {
  for (const el of document.querySelectorAll('[data-expires]')) { const left = Number(el.dataset.expires) - Date.now(); el.textContent = left > 0 ? fmt(left) : 'expired'; }
  for (const el of document.querySelectorAll('[data-age]')) el.textContent = fmt(Date.now() - Number(el.dataset.age)) + ' ago';
}, 1000);
`;
