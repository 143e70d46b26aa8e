"""(being written) Versions and comparison over the API."""


class VersionActions:
    pass
