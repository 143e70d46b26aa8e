// Autosave of an assessment section (issue 11): a few seconds after typing stops, the form is
// posted to the section's draft address and kept server-side as this person's draft. The
// page works the same without JavaScript ("Save and come back later" keeps a draft too).
const DELAY_MS = 3000;

const SIGNED_OUT =
  "You have been signed out. Nothing on this page is lost: select ‘Save and come back later’, sign in again, and your text will be waiting for you as your draft.";
const FAILED =
  "Your draft could not be saved just now. Keep this page open: we will try again when you next type.";

function initAutosave(form) {
  const url = form.dataset.autosaveUrl;
  const status = form.querySelector("[data-autosave-status]");
  if (!url || !status) return;
  let timer = null;
  let dirty = false;
  let saving = false;
  let stopped = false;

  function say(text) {
    status.textContent = text;
  }

  async function save() {
    timer = null;
    if (stopped || !dirty) return;
    if (saving) {
      schedule();
      return;
    }
    dirty = false;
    saving = true;
    const body = new FormData(form);
    for (const name of ["action", "add_statement", "remove_statement"]) body.delete(name);
    try {
      const response = await fetch(url, {
        method: "POST",
        body,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const answer = await response.json().catch(() => ({}));
      if (response.ok && answer.saved_at_display) {
        say(`Draft saved at ${answer.saved_at_display}`);
      } else if (response.status === 401 || response.status === 403) {
        // Signed out (or the page's security token is no longer valid): stop trying, and
        // say how to keep what is on the page.
        stopped = true;
        say(answer.message || SIGNED_OUT);
      } else {
        dirty = true;
        say(answer.error || FAILED);
      }
    } catch {
      dirty = true;
      say(FAILED);
    } finally {
      saving = false;
    }
  }

  function schedule() {
    dirty = true;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(save, DELAY_MS);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  // The form's own buttons save: no autosave may land after them.
  form.addEventListener("submit", () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
  });
}

for (const form of document.querySelectorAll('form[data-module="app-autosave"]')) {
  initAutosave(form);
}
