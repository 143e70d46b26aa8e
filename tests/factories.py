"""Plain rows. Anything that carries a rule (an agency with its group, a membership, a case
with its access grants) is built by calling the services, never by setting fields."""

from datetime import date

import factory
from django_otp.oath import TOTP

from agencies.models import Tenant, User
from agencies.services import agency_create, membership_add, staff_record_dbs_check

PASSWORD = "correct-horse-battery-staple"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Council {n}")
    slug = factory.Sequence(lambda n: f"council-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def platform_user() -> User:
    user, _ = User.objects.get_or_create(
        username="platform", defaults={"is_superuser": True, "is_staff": True}
    )
    return user


def make_agency(tenant, name, kind):
    return agency_create(tenant=tenant, name=name, kind=kind, by=platform_user())


def make_staff(tenant, memberships, *, username=None, dbs=True, **fields) -> User:
    """A member of staff with (agency, role) memberships and, unless dbs=False, a DBS check."""
    user = UserFactory(tenant=tenant, **({"username": username} if username else {}), **fields)
    for agency, role in memberships:
        membership_add(user=user, agency=agency, role=role, by=platform_user())
    if dbs:
        staff_record_dbs_check(
            user=user,
            checked_on=date(2025, 1, 6),
            reference=f"001{user.pk:09d}",
            by=platform_user(),
        )
    user.refresh_from_db()
    return user


def current_code(device) -> str:
    """The code the user's authenticator app shows now. A code is accepted once (replay
    protection), so a test that signs the same user in twice within 30 seconds forgets the
    last one used, as if half a minute had passed."""
    device.__class__.objects.filter(pk=device.pk).update(last_t=-1)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
