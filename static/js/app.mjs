// Pages work without JavaScript; this only enhances the GOV.UK components.
import { initAll } from "../govuk/govuk-frontend.min.js";
import { initSessionTimeout } from "./session-timeout.mjs";

initAll();
for (const banner of document.querySelectorAll('[data-module="app-session-timeout"]')) {
  initSessionTimeout(banner);
}
