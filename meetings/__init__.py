"""Team-around-the-child meetings and multi-agency forums (R-TAC, R-MAF)."""
