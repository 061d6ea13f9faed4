// The report page keeps itself current (progressive enhancement: without
// JavaScript the page is complete as served). While the tab is visible it
// asks the status endpoint (the workflow's query) every few seconds; when
// what the report awaits, from whom, or a phase's state changes, it fetches
// the page again and swaps in the server-rendered status, sections and
// timeline, so whoever just submitted sees the next step open.
(() => {
  const live = document.getElementById("live-status");
  if (!live || !window.fetch) return;
  const EVERY_MS = 3000;
  const url = live.dataset.statusUrl;
  let signature = live.dataset.signature;
  let timer = null;
  let busy = false;

  const signatureOf = (s) => [
    s.current_phase || "", s.awaiting_action || "", s.assignee || "", s.escalated ? "1" : "0",
    Object.values(s.phase_progress || {}).map((v) => `${v};`).join(""),
  ].join("|");

  const refreshPage = async () => {
    const answer = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!answer.ok) return;
    const doc = new DOMParser().parseFromString(await answer.text(), "text/html");
    const fresh = doc.getElementById("live-status");
    if (!fresh) return;
    live.innerHTML = fresh.innerHTML;
    signature = fresh.dataset.signature;
    live.dataset.signature = signature;
    showNote();
  };

  const poll = async () => {
    if (busy || document.visibilityState !== "visible") return;
    busy = true;
    try {
      const answer = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (answer.ok) {
        const next = signatureOf(await answer.json());
        if (next !== signature) await refreshPage();
      }
    } catch (e) {
      /* offline for a moment: the next poll tries again */
    } finally {
      busy = false;
    }
  };

  const showNote = () => {
    const note = live.querySelector(".live-note");
    if (note) note.hidden = false;
  };

  const start = () => { if (!timer) timer = window.setInterval(poll, EVERY_MS); };
  const stop = () => { if (timer) { window.clearInterval(timer); timer = null; } };
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") { poll(); start(); } else stop();
  });
  showNote();
  if (document.visibilityState === "visible") start();
})();
