// Pages work without JavaScript; this only enhances the GOV.UK components.
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();
