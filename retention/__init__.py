"""Archive and purge of closed cases, legal holds and purge records (R-RET)."""
