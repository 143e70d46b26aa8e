"""Password rules beyond Django's own."""

from django.core.exceptions import ValidationError


class MaximumLengthValidator:
    """A ceiling on password length (ASVS 2.1.2: at least 64 characters allowed, at most 128),
    so a megabyte-long password cannot tie up the hasher."""

    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"Your password must be {self.max_length} characters or fewer.",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"Your password must be {self.max_length} characters or fewer."
