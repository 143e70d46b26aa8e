"""A benchmark register: children with the names a large English council's register holds,
cases across agencies with their access rows and consents, and staff who can sign in.

    .venv/bin/python bench/dataset.py --children 1000000 --cases 200000 \\
        --database-url postgres://postgres@127.0.0.1:5432/ecaf_bench_1m

Other bench scripts call ``setup_django(url)`` and then ``build_dataset(...)``: a tenant whose
register is already built is reused, so a million children are loaded once per database.

Names: en_GB 60% (Faker's weighted surnames, an ONS-style list of children's first names),
Pakistani and Bangladeshi 10%, Nigerian 6%, Polish 5%, Romanian 4%, Indian 4%, Irish 3%,
Somali 3%, Arabic 3%, Turkish 2%; Faker's locales where it has them, curated lists where it has
none. 35% have a middle name, 3% a double-barrelled surname, 1.5% are twins, 0.3% unborn.

On PostgreSQL rows are loaded with COPY; elsewhere with batched inserts. Nothing the
application relies on (indexes, constraints, triggers) is dropped.
"""

import argparse
import csv
import io
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-caf-2026"
BATCH = 50_000


def setup_django(database_url: str | None = None) -> None:
    """Point Django at ``database_url`` (or $DATABASE_URL) and set it up, once."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cafsite.settings.base")
    import django

    django.setup()


def _words(text: str) -> list[str]:
    return text.split()


# Children's first names as the ONS publishes them for England and Wales, most popular first.
ONS_BOYS = _words(
    "Oliver George Noah Arthur Harry Leo Oscar Archie Henry Jack Charlie Freddie Theodore "
    "Thomas Jacob Alfie Isaac Joshua James William Lucas Edward Alexander Max Logan Ethan Mason "
    "Daniel Samuel Joseph Teddy Finley Reggie Benjamin Adam Dylan Harrison Riley Sebastian "
    "Elijah Toby Jaxon Albert Louie Rory Hugo Tommy Jude Ronnie Tyler Kai Jenson Frankie Ezra "
    "Liam Louis Caleb Nathan Ryan Jayden Bobby Stanley Luca Matthew Jamie Zachary Elliot Ollie "
    "Callum Lewis Connor Aiden Kyle Ellis Owen Luke Michael Aaron Cameron Reuben Jake Ben"
)
ONS_GIRLS = _words(
    "Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Willow Florence "
    "Emily Ella Poppy Evie Elsie Charlotte Evelyn Sienna Sofia Daisy Phoebe Sophie Alice Harper "
    "Matilda Ruby Emilia Maya Millie Isabelle Ellie Chloe Jessica Lucy Esme Eliza Erin Luna "
    "Maisie Violet Hallie Imogen Bonnie Layla Lottie Ellie-May Molly Scarlett Georgia Holly "
    "Megan Lacey Leah Darcie Mollie Niamh Abigail Lola Eva Heidi Zara Lilly Summer Harriet "
    "Robyn Aria Orla Thea Iris Hannah Amber Bethany Katie Lexi Caitlin Nancy Elizabeth"
)
# Communities for which Faker has no locale in Latin script, or only adults' names.
CURATED = {
    "pakistani_bangladeshi": {
        "boys": _words(
            "Muhammad Mohammed Mohammad Ayaan Ibrahim Yusuf Zayn "
            "Hamza Ali Abdullah Adam Musa Omar Umar Ahmed Rayyan Zakariya Harun Imran Bilal "
            "Arham Eesa Hassan Ismail Riyan Shayan Sami Tahmid Rahim Tanvir Arif Haris Ayan "
            "Zain Aariz Rehan Faris Saad Junaid Taha Sulaiman Abdul Rafi Nabil Shahid"
        ),
        "girls": _words(
            "Aisha Maryam Fatima Zara Hafsa Zainab Khadija Amina Inaya Hania Anaya Mariam Aleena "
            "Safa Sumaiya Nusrat Tasnim Ayesha Hana Eshal Raisa Tahmina Jannat Aleeza Hiba "
            "Iqra Mahnoor Sana Samira Anisa Rumaisa Fariha Sadia Nadia Hafsah Aiza Ruqayyah"
        ),
        "surnames": _words(
            "Khan Hussain Ahmed Begum Ali Akhtar Mahmood Iqbal Rahman Islam Miah Uddin Hossain "
            "Chowdhury Sheikh Bibi Shah Malik "
            "Butt Aslam Javed Rashid Haque Alam Sarwar Mirza Qureshi Raja Siddiqui Anwar Hussein "
            "Khatun Ullah Bashir Nawaz Saleem Latif Karim Aziz Hanif Yousaf Riaz Akram Zaman"
        ),
    },
    "somali": {
        "boys": _words(
            "Mohamed Abdi Abdullahi Abdirahman Ahmed Hassan Ali Omar Yusuf Ibrahim "
            "Mustafe Abdikarim Liban Hamza Ayub Guled Khalid Sharmarke Abdirizak Bashir Hamse "
            "Mahad Saciid Zakariye Idris Nuh"
        ),
        "girls": _words(
            "Hodan Amina Fadumo Hibaq Sagal Ayaan Nasra Hamdi Deqa Ikran Sumaya Khadra Layla "
            "Ubah Ifrah Muna Hawa Idil Sahra Nimco Ilhan Asma Yasmin Filsan"
        ),
        "surnames": _words(
            "Mohamed Ahmed Hassan Ali Abdi Omar Warsame Farah Hussein Osman Jama Yusuf Ibrahim "
            "Aden Ismail Nur Abdullahi Egal Dahir Elmi Gedi Hirsi Duale Mohamud Said Abdulle "
            "Hersi Samatar Guled Adan"
        ),
    },
    "arabic": {
        "boys": _words(
            "Omar Yousef Ahmad Adam Khaled Karim Tariq Hadi Hussein Mahmoud Ziad Sami Rami Amir "
            "Yazan Zaid Ibrahim Mustafa Hamza Anas Bilal Mohammed Ali Hasan Abdulrahman Faisal"
        ),
        "girls": _words(
            "Layla Nour Sara Maryam Yasmin Rania Dana Hala Lina Salma Jana Malak Farah Aya "
            "Jude Rahaf Lujain Hiba Rawan Nadine Reem Dima Tala Zeina Leen Sama"
        ),
        "surnames": _words(
            "Al-Amin Haddad Khalil Saleh Mansour Hamdan Nasser Abbas Darwish Ibrahim Hassan "
            "Mahmoud Youssef Aziz Kareem Al-Hashimi Suleiman Bakr Farouk Qasim Al-Sayed Jaber "
            "Hamadi Al-Khatib Nassar Othman Salem Al-Rawi Habib Zayed"
        ),
    },
}
# (share of the register, ethnicity code, Faker locales for first names and surnames, or a
# curated list). en_GB takes its first names from the ONS list, its surnames from Faker.
ORIGINS = [
    (0.60, "WBRI", "en_GB"),
    (0.10, "APKN", "pakistani_bangladeshi"),
    (0.06, "BAFR", ("en_NG", "yo_NG", "ig_NG")),
    (0.05, "WOTH", "pl_PL"),
    (0.04, "WOTH", "ro_RO"),
    (0.04, "AIND", "en_IN"),
    (0.03, "WIRI", "en_IE"),
    (0.03, "BAFR", "somali"),
    (0.03, "OOTH", "arabic"),
    (0.02, "WOTH", "tr_TR"),
]
POOL_SIZE = 4000  # draws from Faker per locale and list; they keep its weights
MIDDLE_NAME_SHARE, DOUBLE_BARRELLED_SHARE, TWIN_SHARE, UNBORN_SHARE = 0.35, 0.03, 0.015, 0.003
REGISTER_YEARS = 20  # under-18s and the closed cases kept seven years after


@dataclass
class NamePool:
    ethnicity: str
    boys: list[str]
    girls: list[str]
    surnames: list[str]


def _zipf(names: list[str], rng: random.Random, size: int) -> list[str]:
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(names))]
    return rng.choices(names, weights=weights, k=size)


def name_pools(rng: random.Random) -> list[tuple[float, NamePool]]:
    """Name lists per origin, each drawn with the frequencies of its source."""
    from faker import Faker

    pools = []
    for share, ethnicity, source in ORIGINS:
        if isinstance(source, str) and source in CURATED:
            lists = CURATED[source]
            pool = NamePool(
                ethnicity,
                _zipf(lists["boys"], rng, POOL_SIZE),
                _zipf(lists["girls"], rng, POOL_SIZE),
                _zipf(lists["surnames"], rng, POOL_SIZE),
            )
        else:
            locales = (source,) if isinstance(source, str) else source
            fakers = [Faker(locale) for locale in locales]
            for faker in fakers:
                faker.seed_instance(rng.randrange(1 << 30))

            def draw(method, fakers=fakers):
                return [getattr(rng.choice(fakers), method)() for _ in range(POOL_SIZE)]

            if source == "en_GB":
                boys, girls = _zipf(ONS_BOYS, rng, POOL_SIZE), _zipf(ONS_GIRLS, rng, POOL_SIZE)
            else:
                boys, girls = draw("first_name_male"), draw("first_name_female")
            pool = NamePool(ethnicity, boys, girls, draw("last_name"))
        pools.append((share, pool))
    return pools


@dataclass
class ChildRow:
    given_name: str
    middle_names: str
    family_name: str
    date_of_birth: date | None
    expected_date_of_birth: date | None
    gender: str
    ethnicity: str
    postcode: str


def _postcode(rng: random.Random) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"BS{rng.randrange(1, 40)} {rng.randrange(10)}{rng.choice(letters)}{rng.choice(letters)}"


def generate_children(count: int, rng: random.Random, today: date):
    """``count`` children with realistic names; twins come as pairs, one after the other."""
    pools = name_pools(rng)
    shares = [share for share, _ in pools]
    made = 0
    while made < count:
        pool = rng.choices(pools, weights=shares)[0][1]
        surname = rng.choice(pool.surnames)
        if rng.random() < DOUBLE_BARRELLED_SHARE:
            other = rng.choice(rng.choices(pools, weights=shares)[0][1].surnames)
            if other != surname:
                surname = f"{surname}-{other}"
        postcode = _postcode(rng)
        unborn = rng.random() < UNBORN_SHARE
        born = None if unborn else today - timedelta(days=rng.randrange(REGISTER_YEARS * 365))
        due = today + timedelta(days=rng.randrange(1, 270)) if unborn else None
        siblings = 2 if not unborn and rng.random() < TWIN_SHARE / 2 else 1
        given_names: set[str] = set()
        for _ in range(min(siblings, count - made)):
            boy = rng.random() < 0.51
            names = pool.boys if boy else pool.girls
            given = "Baby" if unborn else rng.choice(names)
            while given in given_names:  # twins have different first names
                given = rng.choice(names)
            given_names.add(given)
            middle = rng.choice(names) if rng.random() < MIDDLE_NAME_SHARE else ""
            yield ChildRow(
                given_name=given,
                middle_names=middle if middle != given else "",
                family_name=surname,
                date_of_birth=born,
                expected_date_of_birth=due,
                gender="0" if unborn else ("1" if boy else "2"),
                ethnicity=pool.ethnicity,
                postcode=postcode,
            )
            made += 1


def _is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def _write(model, columns: list[str], rows: list[tuple]) -> None:
    """Append ``rows`` to ``model``'s table: COPY on PostgreSQL, batched inserts elsewhere."""
    from django.db import connection

    if not rows:
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if _is_postgres():
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            for row in rows:
                writer.writerow(["\\N" if value is None else value for value in row])
            buffer.seek(0)
            cursor.cursor.copy_expert(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
                buffer,
            )
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                rows,
            )


def _next_ids(model, count: int) -> int:
    """Reserve ``count`` ids of ``model``'s table; returns the first."""
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        if _is_postgres():
            cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
            (sequence,) = cursor.fetchone()
            cursor.execute(f"SELECT setval('{sequence}', nextval('{sequence}') + %s - 1)", [count])
            (last,) = cursor.fetchone()
            return last - count + 1
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        return cursor.fetchone()[0] + 1


@dataclass
class Dataset:
    tenant: object
    agencies: list
    caf_team: object
    practitioners: list  # one agency's first, then the others'
    coordinator: object
    children: int
    cases: int

    @property
    def practitioner(self):
        return self.practitioners[0]


def _staff(tenant, *, agencies: int, users_per_agency: int):
    """The tenant's agencies, CAF team and staff, made once; their usernames start with the
    tenant's slug."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from agencies.models import Agency, AgencyKind, Membership, Role, User
    from agencies.services import staff_sync_agency_groups

    kinds = [
        AgencyKind.SCHOOL,
        AgencyKind.HEALTH_VISITING,
        AgencyKind.POLICE,
        AgencyKind.VOLUNTARY,
        AgencyKind.SCHOOL,
        AgencyKind.SCHOOL_NURSING,
        AgencyKind.HOUSING,
        AgencyKind.YOUTH_SERVICE,
        AgencyKind.EARLY_YEARS,
        AgencyKind.GP,
    ]
    password = make_password(PASSWORD)
    dbs = {"dbs_checked_on": date(2025, 1, 6), "dbs_reference": "001234567890"}

    def agency(name, kind):
        existing = Agency.objects.filter(tenant=tenant, name=name).first()
        if existing:
            return existing
        group = Group.objects.create(name=f"agency-{tenant.slug}-{name}")
        return Agency.objects.create(tenant=tenant, name=name, kind=kind, group=group)

    def member(username, agency_, role, title):
        user, made = User.objects.get_or_create(
            username=username,
            defaults=dict(
                tenant=tenant,
                password=password,
                first_name=username.split(".")[-1].title(),
                last_name="Bench",
                job_title=title,
                **dbs,
            ),
        )
        if made:
            Membership.objects.create(user=user, agency=agency_, role=role)
            staff_sync_agency_groups(user=user)
        return user

    caf_team = agency("CAF team", AgencyKind.CAF_TEAM)
    working = [agency(f"Agency {n + 1}", kinds[n % len(kinds)]) for n in range(agencies)]
    coordinator = member(
        f"{tenant.slug}.coordinator", caf_team, Role.CAF_COORDINATOR, "CAF coordinator"
    )
    practitioners = [
        member(f"{tenant.slug}.a{a + 1}.p{p + 1}", agency_, Role.PRACTITIONER, "Practitioner")
        for p in range(users_per_agency)
        for a, agency_ in enumerate(working)
    ]
    practitioners.sort(key=lambda user: user.username != f"{tenant.slug}.a1.p1")
    return working, caf_team, practitioners, coordinator


def _load_children(tenant, count: int, rng: random.Random, today: date, report) -> list[int]:
    from cases.matching import child_keys
    from cases.models import Child, ChildNameKey

    child_columns = [
        "id",
        "tenant_id",
        "given_name",
        "middle_names",
        "family_name",
        "other_names",
        "date_of_birth",
        "expected_date_of_birth",
        "gender",
        "ethnicity",
        "address_line_1",
        "address_line_2",
        "town",
        "postcode",
        "uprn",
        "nhs_number",
        "upn",
        "created_at",
        "updated_at",
    ]
    key_columns = ["tenant_id", "child_id", "key", "born_on"]
    now = datetime.now(UTC).isoformat()
    started = time.perf_counter()
    ids: list[int] = []
    children = generate_children(count, rng, today)
    done = 0
    while done < count:
        batch = [row for _, row in zip(range(min(BATCH, count - done)), children, strict=False)]
        first = _next_ids(Child, len(batch))
        child_rows, key_rows = [], []
        for offset, child in enumerate(batch):
            pk = first + offset
            ids.append(pk)
            child_rows.append(
                (
                    pk,
                    tenant.pk,
                    child.given_name,
                    child.middle_names,
                    child.family_name,
                    "",
                    child.date_of_birth,
                    child.expected_date_of_birth,
                    child.gender,
                    child.ethnicity,
                    "",
                    "",
                    "Benchshire",
                    child.postcode,
                    "",
                    "",
                    "",
                    now,
                    now,
                )
            )
            born_on = child.date_of_birth or child.expected_date_of_birth
            for key in sorted(
                child_keys(child.given_name, child.middle_names, child.family_name, "")
            ):
                key_rows.append((tenant.pk, pk, key, born_on))
        _write(Child, child_columns, child_rows)
        _write(ChildNameKey, key_columns, key_rows)
        done += len(batch)
        report(f"  {done} children ({time.perf_counter() - started:.0f} s)")
    return ids


def _load_cases(
    tenant, child_ids, count, working, caf_team, practitioners, rng, today, report
) -> None:
    """``count`` cases, each with its agencies' guardian rows; about one in five with a
    current consent that shares it with one or two other agencies."""
    from django.contrib.auth.models import Permission

    from cases.models import Case, CaseGroupObjectPermission, CaseState
    from consent.models import Consent, ConsentAgency, ConsentGrant

    view = Permission.objects.get(content_type__app_label="cases", codename="view_case")
    change = Permission.objects.get(content_type__app_label="cases", codename="change_case")
    assessors = {}
    for user in practitioners:
        agency_id = user.memberships.first().agency_id
        assessors.setdefault(agency_id, user)
    open_states = [
        CaseState.INTENTION_LOGGED,
        CaseState.CONSENT,
        CaseState.ASSESSMENT,
        CaseState.SUBMITTED,
        CaseState.LOGGED,
        CaseState.DELIVERY,
        CaseState.DELIVERY,
        CaseState.DELIVERY,
        CaseState.REVIEW,
    ]
    case_columns = [
        "id",
        "tenant_id",
        "child_id",
        "assessor_id",
        "assessor_agency_id",
        "state",
        "intention_logged_at",
        "closed_on",
        "updated_at",
        "stepped_down_from",
    ]
    perm_columns = ["group_id", "permission_id", "content_object_id"]
    consent_columns = [
        "id",
        "case_id",
        "given_by",
        "giver_name",
        "relationship",
        "competence_evidence",
        "to_undertake",
        "to_record",
        "share_scope",
        "method",
        "signed_name",
        "signed_on",
        "scan",
        "recorded_by_id",
        "recorded_at",
        "withdrawal_note",
    ]
    started = time.perf_counter()
    chosen = rng.sample(child_ids, count)
    done = 0
    while done < count:
        batch = chosen[done : done + BATCH]
        first = _next_ids(Case, len(batch))
        cases, perms, consents, named, grants = [], [], [], [], []
        consenting = [n for n in range(len(batch)) if rng.random() < 0.2]
        consent_first = _next_ids(Consent, len(consenting)) if consenting else 0
        consent_of = {n: consent_first + i for i, n in enumerate(consenting)}
        for offset, child_id in enumerate(batch):
            pk = first + offset
            agency = working[(done + offset) % len(working)]
            assessor = assessors[agency.pk]
            logged = datetime.now(UTC) - timedelta(minutes=rng.randrange(3 * 525_600))
            closed = rng.random() < 0.3
            state = CaseState.CLOSED if closed else rng.choice(open_states)
            # Closed some time after the intention was logged, before today.
            open_days = max(2, (today - logged.date()).days)
            closed_on = (
                logged.date() + timedelta(days=rng.randrange(1, open_days)) if closed else None
            )
            cases.append(
                (
                    pk,
                    tenant.pk,
                    child_id,
                    assessor.pk,
                    agency.pk,
                    state,
                    logged.isoformat(),
                    closed_on,
                    logged.isoformat(),
                    "",
                )
            )
            for group_id in (agency.group_id, caf_team.group_id):
                perms += [(group_id, view.pk, pk), (group_id, change.pk, pk)]
            if offset in consent_of:
                consent_id = consent_of[offset]
                consents.append(
                    (
                        consent_id,
                        pk,
                        "parent",
                        "A Parent",
                        "Mother",
                        "",
                        True,
                        True,
                        "named_only",
                        "written",
                        "A Parent",
                        logged.date(),
                        "",
                        assessor.pk,
                        logged.isoformat(),
                        "",
                    )
                )
                others = [a for a in working if a.pk != agency.pk]
                for shared in rng.sample(others, rng.choice((1, 2))):
                    named.append((consent_id, shared.pk, False))
                    grants.append((consent_id, shared.pk, logged.isoformat()))
                    perms.append((shared.group_id, view.pk, pk))
        _write(Case, case_columns, cases)
        _write(CaseGroupObjectPermission, perm_columns, perms)
        _write(Consent, consent_columns, consents)
        _write(ConsentAgency, ["consent_id", "agency_id", "excluded"], named)
        _write(ConsentGrant, ["consent_id", "agency_id", "granted_at"], grants)
        done += len(batch)
        report(f"  {done} cases ({time.perf_counter() - started:.0f} s)")


def build_dataset(
    *,
    children: int,
    cases: int | None,
    tenant_slug: str | None = None,
    agencies: int = 10,
    users_per_agency: int = 5,
    seed: int = 20261203,
    report=print,
) -> Dataset:
    """The tenant ``tenant_slug`` with ``children`` on its register and ``cases`` cases;
    built unless it already holds them (then reused as it is). ``cases=None`` takes the cases
    the tenant has."""
    from django.db import connection, transaction

    from agencies.models import Tenant
    from cases.models import Case, Child

    if cases is not None and cases > children:
        raise ValueError("Each case is for a different child: ask for fewer cases.")
    slug = tenant_slug or f"bench{children}"
    tenant, _ = Tenant.objects.get_or_create(slug=slug, defaults={"name": f"Bench {children}"})
    rng = random.Random(seed)
    today = date.today()
    have_children = Child.objects.filter(tenant=tenant).count()
    have_cases = Case.objects.filter(tenant=tenant).count()
    cases = have_cases if cases is None else cases
    with transaction.atomic():
        working, caf_team, practitioners, coordinator = _staff(
            tenant, agencies=agencies, users_per_agency=users_per_agency
        )
    if have_children not in (0, children) or have_cases not in (0, cases):
        raise SystemExit(
            f"Tenant {slug} holds {have_children} children and {have_cases} cases: use "
            "another --tenant or database to build a different size."
        )
    if have_children == 0:
        started = time.perf_counter()
        with transaction.atomic():
            _load_children(tenant, children, rng, today, report)
        report(f"loaded {children} children in {time.perf_counter() - started:.0f} s")
    if have_cases == 0 and cases:
        started = time.perf_counter()
        child_ids = list(
            Child.objects.filter(tenant=tenant, date_of_birth__isnull=False).values_list(
                "pk", flat=True
            )
        )
        with transaction.atomic():
            _load_cases(
                tenant, child_ids, cases, working, caf_team, practitioners, rng, today, report
            )
        report(f"loaded {cases} cases in {time.perf_counter() - started:.0f} s")
    if (have_children == 0 or have_cases == 0) and _is_postgres():
        with connection.cursor() as cursor:
            # Vacuumed as autovacuum leaves a settled table: index-only scans need it.
            cursor.execute("VACUUM ANALYZE")
    return Dataset(tenant, working, caf_team, practitioners, coordinator, children, cases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--tenant", help="the tenant's slug (default: bench<children>)")
    parser.add_argument("--database-url", help="default: $DATABASE_URL")
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    dataset = build_dataset(children=args.children, cases=args.cases, tenant_slug=args.tenant)
    print(
        f"tenant {dataset.tenant.slug}: {dataset.children} children, {dataset.cases} cases, "
        f"{len(dataset.agencies)} agencies; sign in as {dataset.practitioner.username} or "
        f"{dataset.coordinator.username} with password {PASSWORD}"
    )


if __name__ == "__main__":
    main()
