"""(being written) Sign-off, copies, the PDF and submission over the API."""


class SignOffActions:
    pass
