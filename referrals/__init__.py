"""Requests for service, the Tier 3/4 involvement register and tasks (R-REF)."""
