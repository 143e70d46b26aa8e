"""(being written) Begin, read and the sections over the API."""


class SectionActions:
    pass
