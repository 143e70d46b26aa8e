"""Report (and with --repair, mend) cases whose permission rows disagree with consent."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agencies.models import Agency
from audit.context import acting_as
from cases.models import Case, CaseGroupObjectPermission
from cases.permissions import agency_access_grant
from consent.grant_audit import MISSING, access_grant_disagreements


class Command(BaseCommand):
    help = (
        "Compare who may see each case (guardian's permission rows) with why (the assessor's "
        "agency, the CAF team, live consent grants). Exits 1 if they disagree."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", type=int, help="Only this tenant's cases (its id).")
        parser.add_argument(
            "--repair",
            action="store_true",
            help="Remove permissions with no reason and add the missing ones.",
        )

    def handle(self, *args, tenant=None, repair=False, **options):
        found = access_grant_disagreements(tenant_id=tenant)
        for disagreement in found:
            self.stdout.write(str(disagreement))
        if not found:
            self.stdout.write("Permissions agree with consent for every case.")
            return
        if not repair:
            raise CommandError(f"{len(found)} disagreement(s); run with --repair to mend them.")
        with transaction.atomic(), acting_as(None):
            for item in found:
                if item.problem == MISSING:
                    agency_access_grant(
                        case=Case.objects.get(pk=item.case_id),
                        agency=Agency.objects.get(pk=item.agency_id),
                        perms=(item.permission,),
                    )
                else:
                    CaseGroupObjectPermission.objects.filter(
                        content_object_id=item.case_id,
                        group__agency=item.agency_id,
                        permission__codename=item.permission,
                    ).delete()
        self.stdout.write(f"Mended {len(found)} disagreement(s).")
