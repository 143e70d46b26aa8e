"""Benchmark of the existing-CAF check (R-CHECK-1) on realistic registers: recall, speed, and
the results page.

    .venv/bin/python bench/register_search.py \\
        --database-url postgres://postgres@127.0.0.1:5432/ecaf_bench --sizes 100000,1000000

For each register size (built once by bench/dataset.py, then reused) it runs searches with one
realistic error each, and searches for children who are not on the register, and prints:
recall@1 per kind of error, p50/p95 of ``register_matches``, a primary-key lookup for
comparison, how often a child not searched for was offered as a strong match, the results
page's p95 (through Django's test client: it records the check and the access log), the size of
the sound-key table, and EXPLAIN ANALYZE of the candidate query. A script, not a test.
"""

import argparse
import os
import random
import statistics
import sys
import time
import unicodedata
from collections import defaultdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dataset import build_dataset, setup_django  # noqa: E402

KINDS = [
    "transposed letters",
    "neighbouring key",
    "dropped letter",
    "doubled letter",
    "nickname",
    "names swapped",
    "day and month swapped",
    "no postcode",
    "typed without accents",
    "no date of birth",
]
KEYBOARD = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]


def neighbours(letter: str) -> str:
    for row_index, row in enumerate(KEYBOARD):
        if letter in row:
            i = row.index(letter)
            near = row[max(0, i - 1) : i] + row[i + 1 : i + 2]
            for other in (row_index - 1, row_index + 1):
                if 0 <= other < len(KEYBOARD):
                    near += KEYBOARD[other][max(0, i - 1) : i + 1]
            return near
    return ""


def keying_error(name: str, kind: str, rng: random.Random) -> str | None:
    """``name`` with one keying error after its first letter, or None if it is too short."""
    if len(name) < 4:
        return None
    i = rng.randrange(1, len(name) - 1)
    if kind == "transposed letters":
        if name[i] == name[i + 1]:
            return None
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if kind == "neighbouring key":
        near = neighbours(name[i].lower())
        return name[:i] + rng.choice(near) + name[i + 1 :] if near else None
    if kind == "dropped letter":
        return name[:i] + name[i + 1 :]
    return name[:i] + name[i] + name[i:]  # doubled


def ascii_typed(name: str) -> str:
    """How a UK keyboard types a name with accents."""
    from cases.matching import UNDECOMPOSED_LETTERS

    text = unicodedata.normalize("NFKD", name.translate(UNDECOMPOSED_LETTERS))
    return text.encode("ascii", "ignore").decode()


def nickname_of(given: str, rng: random.Random) -> str | None:
    from cases.matching import COMMUNITY_SHORT_FORMS, _nicknamer

    part = given.lower()
    options = set(_nicknamer().nicknames_of(part))
    options |= {short for short, longs in COMMUNITY_SHORT_FORMS.items() if part in longs}
    options = sorted(o for o in options if len(o) > 1)
    return rng.choice(options).title() if options else None


def search_for(child, kind: str, rng: random.Random):
    """The search a practitioner makes for ``child`` with one error of ``kind``, or None if
    that error does not apply to this child."""
    from cases.matching import ChildQuery

    given, family, born = child.given_name, child.family_name, child.date_of_birth
    postcode = child.postcode
    if kind in ("transposed letters", "neighbouring key", "dropped letter", "doubled letter"):
        if rng.random() < 0.5:
            given = keying_error(given, kind, rng)
        else:
            family = keying_error(family, kind, rng)
    elif kind == "nickname":
        given = nickname_of(given, rng)
    elif kind == "names swapped":
        given, family = family, given
    elif kind == "day and month swapped":
        if born.day > 12 or born.day == born.month:
            return None
        born = date(born.year, born.day, born.month)
    elif kind == "no postcode":
        postcode = ""
    elif kind == "typed without accents":
        if ascii_typed(given + family) == given + family:
            return None
        given, family = ascii_typed(given), ascii_typed(family)
    elif kind == "no date of birth":
        born = None
    if not given or not family:
        return None
    return ChildQuery(given_name=given, family_name=family, date_of_birth=born, postcode=postcode)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(share * len(ordered)) - 1)]


def same_child_ids(tenant, child) -> set[int]:
    """The child and any other entry with the same names and date: the synthetic register has
    a few, and either one first is right."""
    from cases.models import Child

    return set(
        Child.objects.filter(
            tenant=tenant,
            given_name=child.given_name,
            family_name=child.family_name,
            date_of_birth=child.date_of_birth,
        ).values_list("pk", flat=True)
    )


def absent_children(tenant, count: int, rng: random.Random):
    """Children drawn like the register's who are not on it: no entry with their names, and
    none with their first name born the same day, who could be them under another surname (a
    double-barrelled one typed in part, a changed one) and whom the check rightly offers."""
    from bench.dataset import generate_children
    from cases.models import Child

    found = []
    for child in generate_children(count * 100, random.Random(rng.random()), date.today()):
        if child.date_of_birth is None:
            continue
        same_name = Child.objects.filter(
            tenant=tenant, given_name=child.given_name, family_name=child.family_name
        )
        same_first_name_and_day = Child.objects.filter(
            tenant=tenant, given_name=child.given_name, date_of_birth=child.date_of_birth
        )
        if not same_name.exists() and not same_first_name_and_day.exists():
            found.append(child)
        if len(found) == count:
            break
    return found


def run_searches(dataset, searches: int, absent: int, rng: random.Random) -> dict:
    from cases.matching import ChildQuery, Strength
    from cases.models import Child
    from cases.register import register_matches

    tenant = dataset.tenant
    ids = list(
        Child.objects.filter(tenant=tenant, date_of_birth__isnull=False)
        .order_by()
        .values_list("pk", flat=True)
    )
    timings, first, total, broad = defaultdict(list), defaultdict(int), defaultdict(int), 0
    strong_other = 0
    for n in range(searches):
        kind = KINDS[n % len(KINDS)]
        query = None
        while query is None:
            child = Child.objects.get(pk=rng.choice(ids))
            query = search_for(child, kind, rng)
        started = time.perf_counter()
        matches = register_matches(tenant_id=tenant.pk, query=query)
        timings[kind].append((time.perf_counter() - started) * 1000)
        right = same_child_ids(tenant, child)
        total[kind] += 1
        first[kind] += bool(matches) and matches[0].record.pk in right
        broad += matches.broad
        strong_other += any(
            m.strength >= Strength.STRONG and m.record.pk not in right for m in matches
        )
    strong_absent = 0
    for child in absent_children(tenant, absent, rng):
        query = ChildQuery(
            given_name=child.given_name,
            family_name=child.family_name,
            date_of_birth=child.date_of_birth,
            postcode=child.postcode,
        )
        started = time.perf_counter()
        matches = register_matches(tenant_id=tenant.pk, query=query)
        timings["not on the register"].append((time.perf_counter() - started) * 1000)
        total["not on the register"] += 1
        first["not on the register"] += not matches or matches[0].strength < Strength.STRONG
        strong_absent += any(m.strength >= Strength.STRONG for m in matches)
    pk_lookups = []
    for _ in range(searches):
        started = time.perf_counter()
        Child.objects.get(pk=rng.choice(ids))
        pk_lookups.append((time.perf_counter() - started) * 1000)
    return dict(
        timings=timings,
        first=first,
        total=total,
        broad=broad,
        strong_other=strong_other,
        strong_absent=strong_absent,
        pk_lookups=pk_lookups,
    )


def print_searches(size: int, result: dict) -> None:
    timings, first, total = result["timings"], result["first"], result["total"]
    print(f"\n== register of {size:,} children: register_matches ==")
    print(f"{'error kind':<24}{'n':>5}{'recall@1':>10}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    everything = []
    for kind in [*KINDS, "not on the register"]:
        values = timings[kind]
        everything += values
        label = "no strong match" if kind == "not on the register" else "recall@1"
        print(
            f"{kind:<24}{total[kind]:>5}{100 * first[kind] / total[kind]:>9.1f}%"
            f"{statistics.median(values):>9.1f}{percentile(values, 0.95):>9.1f}"
            f"{max(values):>9.1f}" + ("  (" + label + ")" if label != "recall@1" else "")
        )
    with_dob = [k for k in KINDS if k != "no date of birth"]
    found = sum(first[k] for k in with_dob)
    searched = sum(total[k] for k in with_dob)
    print(
        f"{'all searches':<24}{len(everything):>5}{'':>10}{statistics.median(everything):>9.1f}"
        f"{percentile(everything, 0.95):>9.1f}{max(everything):>9.1f}"
    )
    pk = result["pk_lookups"]
    print(
        f"{'PK lookup (baseline)':<24}{len(pk):>5}{'':>10}{statistics.median(pk):>9.2f}"
        f"{percentile(pk, 0.95):>9.2f}{max(pk):>9.2f}"
    )
    print(f"recall@1 over every kind with a date of birth: {100 * found / searched:.1f}%")
    print(f"searches cut as broad: {result['broad']}")
    print(f"searches offering another child as STRONG: {result['strong_other']}")
    print(f"absent children offered a STRONG match: {result['strong_absent']}")


def results_page(dataset, pages: int, rng: random.Random) -> None:
    """The check through the pages: the search form's POST (records the check and the access
    log) and the results page it redirects to."""
    from django.test import Client

    from cases.models import Child

    client = Client()
    client.force_login(dataset.practitioner)
    agency = dataset.practitioner.memberships.first().agency_id
    ids = list(
        Child.objects.filter(tenant=dataset.tenant, date_of_birth__isnull=False)
        .order_by()
        .values_list("pk", flat=True)
    )
    posts, gets, both = [], [], []
    for n in range(pages):
        child = Child.objects.get(pk=rng.choice(ids))
        query = search_for(child, KINDS[n % 4], rng) or search_for(child, "no postcode", rng)
        started = time.perf_counter()
        response = client.post(
            "/checks/new/",
            {
                "agency": agency,
                "given_name": query.given_name,
                "family_name": query.family_name,
                "date_of_birth": f"{query.date_of_birth:%d/%m/%Y}",
                "postcode": query.postcode,
            },
        )
        posted = time.perf_counter()
        assert response.status_code == 302, response.content.decode()[:500]
        page = client.get(response["Location"])
        done = time.perf_counter()
        assert page.status_code == 200
        posts.append((posted - started) * 1000)
        gets.append((done - posted) * 1000)
        both.append((done - started) * 1000)
    print(f"\n== results page at {dataset.children:,} children ({pages} checks, test client) ==")
    for label, values in (
        ("search form POST", posts),
        ("results page GET", gets),
        ("POST + GET", both),
    ):
        print(
            f"{label:<24}p50 {statistics.median(values):7.1f} ms   "
            f"p95 {percentile(values, 0.95):7.1f} ms   max {max(values):7.1f} ms"
        )


def explain(dataset, rng: random.Random) -> None:
    """EXPLAIN ANALYZE of the candidate query of one typical search."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases.models import Child
    from cases.register import register_matches

    child = Child.objects.filter(tenant=dataset.tenant, family_name__startswith="Kh").first()
    child = child or Child.objects.filter(tenant=dataset.tenant).first()
    query = search_for(child, "dropped letter", rng) or search_for(child, "no postcode", rng)
    with CaptureQueriesContext(connection) as captured:
        register_matches(tenant_id=dataset.tenant.pk, query=query)
    print(f"\n== EXPLAIN ANALYZE, {query.given_name} {query.family_name} {query.date_of_birth} ==")
    with connection.cursor() as cursor:
        for statement in captured.captured_queries:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement['sql']}")
            for (line,) in cursor.fetchall():
                print(line)
            print("--")


def key_table_size(children_total: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_total_relation_size('cases_childnamekey'), "
            "pg_total_relation_size('cases_child'), (SELECT count(*) FROM cases_childnamekey)"
        )
        keys, children, rows = cursor.fetchone()
    per_million = 1_000_000 / children_total
    print(
        f"\nsound-key table: {rows / children_total:.2f} rows a child, "
        f"{keys * per_million / 2**20:.0f} MB per 1,000,000 children with its indexes "
        f"(child table {children * per_million / 2**20:.0f} MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: $DATABASE_URL")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--searches", type=int, default=500)
    parser.add_argument("--absent", type=int, default=50)
    parser.add_argument("--pages", type=int, default=100, help="results pages at the largest")
    args = parser.parse_args()
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    from cases.models import Child

    call_command("migrate", verbosity=0)
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"{connection.vendor}, searches {args.searches} + {args.absent} absent a register")
    datasets = [build_dataset(children=size, cases=None) for size in sizes]
    for dataset in datasets:
        rng = random.Random(20261203 + dataset.children)
        print_searches(dataset.children, run_searches(dataset, args.searches, args.absent, rng))
    largest = datasets[-1]
    results_page(largest, args.pages, random.Random(7))
    if connection.vendor == "postgresql":
        key_table_size(Child.objects.count())
        explain(largest, random.Random(11))


if __name__ == "__main__":
    main()
