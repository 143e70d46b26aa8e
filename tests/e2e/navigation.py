"""Moving between pages the way a user does."""


def follow(locator):
    """Click a link or a submit button and wait until the page it leads to has loaded.

    A click returns once it is dispatched; reading the page straight after it (axe, the
    database, another page) could read the page being left, or a document half replaced."""
    with locator.page.expect_navigation():
        locator.click()
