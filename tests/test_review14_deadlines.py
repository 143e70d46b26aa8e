"""Review of issue 14: the deadlines page and API on input a user (or a client) can type."""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


@pytest.mark.parametrize(
    "cursor",
    [
        "9999-12-31.submission.9999-12-01.1",
        "9999-12-31.review.2020-01-01.1",
        "0001-01-01.first_tac.0001-01-01.1",
        "0001-01-01.task.0001-01-01.1",
    ],
)
def test_a_cursor_at_the_ends_of_the_calendar_is_a_field_error_not_a_500(world, login, cursor):
    coordinator = world.a.users["coordinator"]

    page = login(coordinator).get("/deadlines/", {"after": cursor})
    api = _api(coordinator).get("/api/deadlines/", {"after": cursor})
    assessor_api = _api(world.a.users["assessor"]).get("/api/deadlines/", {"after": cursor})

    assert page.status_code == 200
    assert api.status_code in (200, 400)
    assert assessor_api.status_code in (200, 400)


@pytest.mark.parametrize(
    "before",
    [
        "9999-12-31T23:59:59-14:00_1",
        "0001-01-01T00:00:00+14:00_1",
        "2026-12-01T10:00:00+00:00_99999999999999999999999",
    ],
)
def test_a_runs_page_cursor_out_of_range_is_not_a_500(world, login, before):
    page = login(world.a.users["coordinator"]).get("/runs/", {"before": before})

    assert page.status_code == 200
