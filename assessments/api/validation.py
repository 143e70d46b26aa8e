"""(being written) The CAF team's queue and decisions, the assessor's answers, over the API."""


class ValidationActions:
    pass
