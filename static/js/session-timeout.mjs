// Warns before the session ends so nobody loses a half-typed form (ASVS 3.3). The idle limit
// restarts with every request to the server, from any tab of this browser; the absolute
// limit (hours after signing in) cannot be extended.
const ACTIVITY_KEY = "ecaf-session-last-request";
const RECHECK_MS = 15 * 1000;

function shareActivity(at) {
  try {
    localStorage.setItem(ACTIVITY_KEY, String(at));
  } catch {
    // Storage refused (private mode): each tab keeps its own count.
  }
}

function sharedActivity() {
  try {
    return Number(localStorage.getItem(ACTIVITY_KEY)) || 0;
  } catch {
    return 0;
  }
}

const SIGNED_OUT =
  "You have been signed out. Copy anything you have typed on this page before you leave it, then sign in again.";

function inMinutes(ms) {
  const minutes = Math.ceil(ms / 60000);
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

export function initSessionTimeout(banner) {
  const idleMs = Number(banner.dataset.idleSeconds) * 1000;
  const warningMs = Number(banner.dataset.warningSeconds) * 1000;
  const signedOutAt = Number(banner.dataset.signedOutAt) * 1000 || Infinity;
  const message = banner.querySelector("[data-session-timeout-message]");
  const form = banner.querySelector("[data-session-timeout-extend]");
  let lastRequest = Date.now();
  let timer;
  shareActivity(lastRequest);

  function show(text, canExtend) {
    message.textContent = text;
    form.hidden = !canExtend;
    banner.hidden = false;
  }

  function check() {
    clearTimeout(timer);
    lastRequest = Math.max(lastRequest, sharedActivity());
    const idleEnd = lastRequest + idleMs;
    const end = Math.min(idleEnd, signedOutAt);
    const left = end - Date.now();
    if (left <= 0) {
      show(SIGNED_OUT, false);
      return;
    }
    if (left > warningMs) {
      banner.hidden = true;
      timer = setTimeout(check, left - warningMs);
      return;
    }
    if (signedOutAt <= idleEnd) {
      show(
        `You will be signed out in ${inMinutes(left)}: sessions last at most a working day. Save your work now; you will need to sign in again.`,
        false,
      );
    } else {
      show(`You will be signed out in ${inMinutes(left)}.`, true);
    }
    timer = setTimeout(check, Math.min(left, RECHECK_MS));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).catch(() => null);
    const json = response?.headers.get("Content-Type")?.startsWith("application/json");
    if (response?.ok && json) {
      lastRequest = Date.now();
      shareActivity(lastRequest);
      check();
    } else {
      clearTimeout(timer);
      show(SIGNED_OUT, false);
    }
  });

  check();
}
