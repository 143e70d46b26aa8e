"""The delivery pages are reached from where a practitioner starts: the case page links the
plan, requests for service and a referral to social care for those who may make one, and a
social-care practitioner's register check offers the step-down into a CAF (R-CLOSE-2)."""

from agencies.models import AgencyKind, Role
from tests.factories import make_agency, make_staff


def test_the_case_page_links_the_plan_requests_and_a_social_care_referral(world, login):
    case_url = f"/cases/{world.a.case.pk}/"
    assessor = login(world.a.users["assessor"]).get(case_url).content.decode()
    colleague = login(world.a.users["school_practitioner"]).get(case_url).content.decode()

    for link in (f"{case_url}plan/", f"{case_url}service-requests/", f"{case_url}social-care/new/"):
        assert f'href="{link}"' in assessor
    # Working on the case is not referring it: that is the assessor's, the lead's, the team's.
    assert f'href="{case_url}plan/"' in colleague
    assert f'href="{case_url}social-care/new/"' not in colleague


def test_a_social_care_practitioner_is_offered_the_step_down_from_the_check(world, login):
    csc = make_agency(world.a.tenant, "North Children's Social Care", AgencyKind.CSC)
    social_worker = make_staff(world.a.tenant, [(csc, Role.PRACTITIONER)])
    child = world.a.case.child
    world.a.case.state = "closed"
    world.a.case.closed_on = world.a.case.intention_logged_at.date()
    world.a.case.save(update_fields=["state", "closed_on"])

    def check(user, agency):
        client = login(user)
        found = client.post(
            "/checks/new/",
            {"agency": agency.pk, "given_name": child.given_name, "family_name": child.family_name},
            follow=True,
        )
        return found.content.decode()

    assert f'href="/social-care/step-down/{child.pk}/"' in check(social_worker, csc)
    assert "/social-care/step-down/" not in check(
        world.a.users["police_practitioner"], world.a.police
    )
