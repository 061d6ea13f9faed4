// Progressive enhancement only: every form works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  const reset = document.getElementById("reset-to-recommendations");
  if (!reset) return;
  reset.addEventListener("click", () => {
    document.querySelectorAll("tr[data-recommended]").forEach((row) => {
      const value = row.dataset.recommended;
      const radio = row.querySelector(`input[type=radio][value="${value}"]`);
      if (radio) radio.checked = true;
    });
  });
});
