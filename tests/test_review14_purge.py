"""Review of issue 14: after a purge, nothing names the child, not even a register check that
searched for them and was never decided (R-RET-1)."""

from cases import checks
from retention.purge import purge_due_batch
from tests.test_purge import BORN, FAMILY, GIVEN, TODAY, due_today, personal_data_found


def test_an_undecided_register_check_for_the_child_is_purged_with_the_case(world, login):
    case = due_today(world, login)
    officer = world.a.users["police_practitioner"]
    check, matches = checks.check_search(
        by=officer,
        agency=world.a.police,
        given_name=GIVEN,
        family_name=FAMILY,
        date_of_birth=BORN,
    )
    assert matches  # the officer saw the child, and went no further

    counts = purge_due_batch(today=TODAY, batch=10, run=None)

    assert counts["purged"] == 1 and not type(case).objects.filter(pk=case.pk).exists()
    assert personal_data_found() == []
    assert not type(check).objects.filter(pk=check.pk).exists()
