"""Schemathesis against the live schema (/api/schema/): every operation, as a practitioner and
as a CAF coordinator, with valid and with malformed input. No 500, and every response matches
what the schema documents (status code, content type, body)."""

from datetime import date

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from knox.models import AuthToken
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cafsite.wsgi import application

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Examples per operation, mode, user and id (free or existing): bounded to keep CI near 2 min.
EXAMPLES = 15


@pytest.fixture
def wsgi_in_test_transaction(settings):
    """Requests through the WSGI app share the test's transaction, as Django's test client
    arranges: the end of a request must not close the connection mid-test."""
    settings.ALLOWED_HOSTS = ["localhost"]  # schemathesis' WSGI client
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _records_to_aim_at(world, role) -> dict[str, int]:
    """Ids that exist, so generated requests reach the code past the 404: the tenant's case,
    and a check the user may see (a practitioner's own; the CAF team sees every check)."""
    from cases.checks import check_search

    author = "assessor" if role == "assessor" else "police_practitioner"
    agency = world.a.school if author == "assessor" else world.a.police
    check, _ = check_search(
        by=world.a.users[author],
        agency=agency,
        given_name="Jaime",
        family_name=world.a.case.child.family_name,
    )
    return {
        "/api/cases/": world.a.case.pk,
        "/api/checks/": check.pk,
        "/api/assessments/": _assessment_case(world),
    }


def _assessment_case(world) -> int:
    """A case of world.a with consent and a begun assessment, so that the assessment's
    operations are reached past the 404."""
    from assessments.services import assessment_begin
    from cases.services import case_open, child_register
    from consent.services import consent_record

    assessor = world.a.users["assessor"]
    child = child_register(
        by=assessor, given_name="Fuzz", family_name="Assessed", date_of_birth=date(2014, 1, 2)
    )
    case = case_open(child=child, assessor_agency=world.a.school, by=assessor)
    consent_record(
        case=case,
        by=assessor,
        given_by="parent",
        giver_name="Pat Parent",
        relationship="mother",
        to_undertake=True,
        to_record=True,
        share_scope="none",
        method="written",
        signed_name="Pat Parent",
        signed_on=timezone.localdate(),
    )
    assessment_begin(case=case, by=assessor)
    return case.pk


@pytest.mark.fuzz
@pytest.mark.parametrize("role", ["assessor", "coordinator"])
def test_every_api_operation_answers_as_documented_and_never_with_a_server_error(
    world, wsgi_in_test_transaction, role
):
    _, token = AuthToken.objects.create(user=world.a.users[role])
    headers = {"Authorization": f"Token {token}"}
    existing = _records_to_aim_at(world, role)
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_in_test_transaction)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:
        aims = [None]
        if "{id}" in operation.path:
            # Contributions open to their contributor alone: fuzzed with free ids only.
            prefix = next((p for p in existing if operation.path.startswith(p)), None)
            if prefix is not None:
                aims.append({"id": existing[prefix]})
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for path_parameters in aims:
                strategy = operation.as_strategy(
                    generation_mode=mode, path_parameters=path_parameters
                )

                @given(case=strategy)
                @hypothesis_settings(
                    max_examples=EXAMPLES,
                    deadline=None,
                    derandomize=True,
                    database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                def answers_as_documented(case):
                    response = case.call(headers=headers)
                    case.validate_response(response, checks=CHECKS)

                try:
                    answers_as_documented()
                except Unsatisfiable:
                    # Nothing to get wrong: an operation without parameters or body.
                    assert mode == GenerationMode.NEGATIVE, operation.label
