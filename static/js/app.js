// Progressive enhancement only: every form works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // Drafts stay on this computer only while their author is logged in.
  const logout = document.querySelector("form.logout");
  if (logout) {
    logout.addEventListener("submit", () => {
      try {
        Object.keys(localStorage).filter((k) => k.startsWith("review-draft-")).forEach((k) => localStorage.removeItem(k));
      } catch (e) { /* storage disabled */ }
    });
  }

  // Buttons that throw work away or submit at once ask first.
  document.querySelectorAll("button[data-confirm]").forEach((button) => {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    });
  });

  // After a refused submit, the summary of problems is where the eye goes.
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  const form = document.getElementById("review-form");
  if (!form) return;
  const rows = Array.from(form.querySelectorAll("tr[data-recommended]"));
  const chosen = (row) => row.querySelector("input[type=radio]:checked");

  // How many decisions differ from the recommendation, kept up to date.
  const counter = document.getElementById("override-count");
  const count = () => {
    const n = rows.filter((row) => chosen(row) && chosen(row).value !== row.dataset.recommended).length;
    if (counter) counter.textContent = `${n} override(s)`;
    rows.forEach((row) => {
      const overrides = Boolean(chosen(row)) && chosen(row).value !== row.dataset.recommended;
      row.classList.toggle("override", overrides);
      // The browser refuses to send an override without its rationale.
      const rationale = row.querySelector("textarea[name^=rationale_]");
      if (rationale) rationale.required = overrides;
    });
  };

  // A review of hundreds of attributes is hours of work: keep a draft in
  // this browser until it is submitted, so a closed tab loses nothing.
  const key = form.dataset.draftKey;
  const fields = () => Array.from(form.querySelectorAll("input[type=radio][name^=include_], textarea[name^=rationale_]"));
  const save = () => {
    const draft = { savedAt: new Date().toLocaleString(), values: {} };
    fields().forEach((f) => {
      if (f.type === "radio") { if (f.checked) draft.values[f.name] = f.value; }
      else draft.values[f.name] = f.value;
    });
    try { localStorage.setItem(key, JSON.stringify(draft)); } catch (e) { /* storage full or disabled */ }
  };
  const restore = () => {
    let draft = null;
    try { draft = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { draft = null; }
    // A page re-rendered with errors already shows what was posted.
    if (!draft || form.querySelector(".error")) return;
    fields().forEach((f) => {
      if (!(f.name in draft.values)) return;
      if (f.type === "radio") f.checked = f.value === draft.values[f.name];
      else f.value = draft.values[f.name];
    });
    const notice = document.getElementById("draft-notice");
    if (notice) {
      notice.querySelector("span").textContent = draft.savedAt;
      notice.hidden = false;
    }
  };
  const discard = () => { try { localStorage.removeItem(key); } catch (e) { /* ignore */ } };
  if (key) {
    restore();
    form.addEventListener("change", save);
    form.addEventListener("input", save);
    form.addEventListener("submit", discard);
    const discardButton = document.getElementById("discard-draft");
    if (discardButton) discardButton.addEventListener("click", () => { discard(); window.location.reload(); });
  }

  const reset = document.getElementById("reset-to-recommendations");
  if (reset) {
    reset.addEventListener("click", () => {
      rows.forEach((row) => {
        const radio = row.querySelector(`input[type=radio][value="${row.dataset.recommended}"]`);
        if (radio) radio.checked = true;
      });
      save();
      count();
    });
  }

  const filter = document.getElementById("attribute-filter");
  if (filter) {
    filter.addEventListener("input", () => {
      const q = filter.value.trim().toLowerCase();
      rows.forEach((row) => { row.hidden = q !== "" && !row.textContent.toLowerCase().includes(q); });
    });
  }

  form.addEventListener("change", count);
  count();
});
