"""Benchmark of the existing-CAF search: latency and recall on a synthetic register.

    DEBUG=true .venv/bin/python bench/register_search.py --children 100000 --queries 200
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecaf_bench ... (a database of its own)

Builds the register once (rerun with --reuse), then searches with one realistic error per
query and prints p50/p95/max milliseconds and how often the intended child came first.
"""

import argparse
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cafsite.settings.base")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from agencies.models import Tenant  # noqa: E402
from cases.matching import ChildQuery, name_parts, sound_keys  # noqa: E402
from cases.models import Child, ChildNameKey  # noqa: E402
from cases.register import register_matches  # noqa: E402

GIVEN = [
    "Oliver",
    "Amelia",
    "George",
    "Isla",
    "Harry",
    "Ava",
    "Noah",
    "Mia",
    "Jack",
    "Ivy",
    "Muhammad",
    "Aisha",
    "Jacob",
    "Zainab",
    "Leo",
    "Grace",
    "Oscar",
    "Freya",
    "Charlie",
    "Lily",
    "Jakub",
    "Zofia",
    "Andrei",
    "Ioana",
    "Chidi",
    "Ngozi",
    "Wei",
    "Mei",
    "Aoife",
    "Sean",
    "Priya",
    "Arjun",
    "Yusuf",
    "Fatima",
    "Daniel",
    "Sophie",
    "Thomas",
    "Emily",
    "William",
    "Katherine",
    "Alexander",
    "Elizabeth",
    "Abdirahman",
    "Hodan",
]
FAMILY = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Khan",
    "Ali",
    "Hussain",
    "Begum",
    "Ahmed",
    "Nowak",
    "Kowalski",
    "Popescu",
    "Ionescu",
    "Okafor",
    "Adeyemi",
    "Chen",
    "Wang",
    "Murphy",
    "Kelly",
    "OConnor",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Wright",
    "Hughes",
    "Green",
    "Hall",
    "Clarke",
    "Jackson",
    "Wood",
    "Turner",
    "Hassan",
    "Mohamed",
    "Osei",
    "Singh",
]
TYPOS = {"Muhammad": "Mohammed", "Katherine": "Catherine", "Smith": "Smyth", "Khan": "Kahn"}
NICKNAMES = {"Alexander": "Alex", "Elizabeth": "Liz", "William": "Bill", "Thomas": "Tom"}


def build(tenant: Tenant, count: int, rng: random.Random) -> None:
    start = date(2008, 1, 1)
    batch, keys = [], []
    for i in range(count):
        child = Child(
            tenant=tenant,
            given_name=rng.choice(GIVEN),
            family_name=rng.choice(FAMILY),
            date_of_birth=start + timedelta(days=rng.randrange(18 * 365)),
            postcode=f"NS{rng.randrange(1, 10)} {rng.randrange(1, 10)}AB",
        )
        batch.append(child)
        if len(batch) == 5000 or i == count - 1:
            Child.objects.bulk_create(batch)
            for saved in Child.objects.filter(tenant=tenant).order_by("-id")[: len(batch)]:
                parts = name_parts(saved.given_name, saved.family_name)
                for key in set().union(*(sound_keys(p) for p in parts)):
                    keys.append(ChildNameKey(child_id=saved.pk, key=key))
            ChildNameKey.objects.bulk_create(keys, ignore_conflicts=True)
            batch, keys = [], []


def typo(name: str, rng: random.Random) -> str:
    if name in TYPOS:
        return TYPOS[name]
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]  # two letters swapped


def query_for(child: Child, kind: str, rng: random.Random) -> ChildQuery:
    born = child.date_of_birth
    given, family = child.given_name, child.family_name
    if kind == "typo in first name":
        given = typo(given, rng)
    elif kind == "typo in last name":
        family = typo(family, rng)
    elif kind == "day and month swapped" and born.day <= 12:
        born = date(born.year, born.day, born.month)
    elif kind == "nickname":
        given = NICKNAMES.get(given, given)
    elif kind == "names swapped":
        given, family = family, given
    elif kind == "no date of birth":
        born = None
    return ChildQuery(given_name=given, family_name=family, date_of_birth=born)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="keep the register already built")
    args = parser.parse_args()
    rng = random.Random(20261123)

    call_command("migrate", verbosity=0)
    tenant, _ = Tenant.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    if not args.reuse or not Child.objects.filter(tenant=tenant).exists():
        Child.objects.filter(tenant=tenant).delete()
        started = time.perf_counter()
        build(tenant, args.children, rng)
        print(f"built {args.children} children in {time.perf_counter() - started:.0f} s")
    ids = list(Child.objects.filter(tenant=tenant).values_list("pk", flat=True))
    kinds = [
        "exact",
        "typo in first name",
        "typo in last name",
        "day and month swapped",
        "nickname",
        "names swapped",
        "no date of birth",
    ]
    timings, first, top10 = defaultdict(list), defaultdict(int), defaultdict(int)
    for n in range(args.queries):
        kind = kinds[n % len(kinds)]
        child = Child.objects.get(pk=rng.choice(ids))
        query = query_for(child, kind, rng)
        started = time.perf_counter()
        matches = register_matches(tenant_id=tenant.pk, query=query)
        timings[kind].append((time.perf_counter() - started) * 1000)
        found = [m.record.pk for m in matches]
        # Several synthetic children can share name and birthday: any with the same details
        # ranked first counts as found.
        same = set(
            Child.objects.filter(
                tenant=tenant,
                given_name=child.given_name,
                family_name=child.family_name,
                date_of_birth=child.date_of_birth,
            ).values_list("pk", flat=True)
        )
        first[kind] += bool(found) and found[0] in same
        top10[kind] += bool(same & set(found))

    print(
        f"{os.environ['DATABASE_URL'].split(':')[0]}, {len(ids)} children, {args.queries} queries"
    )
    print(
        f"{'error kind':<24}{'n':>4}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
        f"{'first':>8}{'top 10':>8}"
    )
    everything = []
    for kind in kinds:
        values = sorted(timings[kind])
        everything += values
        count = len(values)
        p95 = values[max(0, int(count * 0.95) - 1)]
        print(
            f"{kind:<24}{count:>4}{statistics.median(values):>9.1f}{p95:>9.1f}{values[-1]:>9.1f}"
            f"{100 * first[kind] / count:>7.0f}%{100 * top10[kind] / count:>7.0f}%"
        )
    everything.sort()
    print(
        f"{'all':<24}{len(everything):>4}{statistics.median(everything):>9.1f}"
        f"{everything[int(len(everything) * 0.95) - 1]:>9.1f}{everything[-1]:>9.1f}"
    )


if __name__ == "__main__":
    main()
