"""Consent records, per-agency sharing grants and exclusions, refusals and sharing decisions
(R-CONSENT-1..9). The only code that grants or revokes case access from consent."""
