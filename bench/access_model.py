"""Benchmark of the access model (issue 8): the pages every user opens, at 1,000 and 200,000
cases, and 50 signed-in users on gunicorn.

    .venv/bin/python bench/access_model.py \\
        --database-url postgres://postgres@127.0.0.1:5432/ecaf_bench

The registers come from bench/dataset.py (built once, then reused): by default a tenant of
100,000 children with 1,000 cases and one of 1,000,000 children with 200,000 cases. For a
practitioner and a CAF coordinator of each it times home, the case page, the API case list and
the API case detail through Django's test client (median, p95, and a primary-key lookup for
comparison), then runs 50 signed-in users against gunicorn on 127.0.0.1 for 60 seconds per
size and prints requests a second and errors. A script, not a test.
"""

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dataset import PASSWORD, build_dataset, setup_django  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(share * len(ordered)) - 1)]


def visible_case_ids(user, count: int) -> list[int]:
    """Cases ``user`` may open: their agency's for a practitioner, any for the CAF team."""
    from agencies.roles import in_caf_team
    from cases.models import Case

    cases = Case.objects.filter(tenant_id=user.tenant_id).order_by("-id")
    if not in_caf_team(user):
        agency_ids = user.memberships.values_list("agency_id", flat=True)
        cases = cases.filter(assessor_agency_id__in=list(agency_ids))
    return list(cases.values_list("pk", flat=True)[:count])


def pages_of(case_id: int) -> dict[str, str]:
    return {
        "home": "/",
        "case page": f"/cases/{case_id}/",
        "API case list": "/api/cases/",
        "API case detail": f"/api/cases/{case_id}/",
    }


def give_authenticators(users) -> None:
    """Staff whose role needs a second factor (the CAF coordinator) get an authenticator app
    before they sign in, as they would have set one up on their first day."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from agencies.second_factor import second_factor_required

    for user in users:
        if second_factor_required(user) and not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(user=user, name="Bench app", confirmed=True)


def authenticator_code(user) -> str:
    """The code the user's authenticator app shows now. A code is accepted once per 30
    seconds, so the last one used is forgotten, as if half a minute had passed."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def signed_in_client(user):
    """A test client signed in through the real pages, second factor included."""
    from django.test import Client

    give_authenticators([user])
    client = Client()
    response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"{user.username} could not sign in: {response.status_code}")
    if response["Location"].startswith("/sign-in/verify/"):
        client.post(response["Location"], {"code": authenticator_code(user)})
    return client


def time_pages(dataset, repeats: int) -> dict:
    """Each page for the practitioner and the coordinator, ``repeats`` times after a warm-up."""
    from cases.models import Case

    timings = {}
    for role, user in (
        ("practitioner", dataset.practitioner),
        ("coordinator", dataset.coordinator),
    ):
        client = signed_in_client(user)
        case_ids = visible_case_ids(user, repeats)
        for name in pages_of(0):
            values = []
            for n in range(repeats + 2):
                url = pages_of(case_ids[n % len(case_ids)])[name]
                started = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, (url, response.status_code)
                if n >= 2:
                    values.append(elapsed)
            timings[(role, name)] = values
    lookups = []
    ids = list(Case.objects.filter(tenant=dataset.tenant).values_list("pk", flat=True)[:repeats])
    for case_id in ids:
        started = time.perf_counter()
        Case.objects.get(pk=case_id)
        lookups.append((time.perf_counter() - started) * 1000)
    timings[("-", "PK lookup (baseline)")] = lookups
    return timings


def print_pages(results: dict) -> None:
    sizes = list(results)
    header = "".join(f"{f'{size:,} cases p50':>22}{'p95':>11}" for size in sizes)
    print(f"\n{'user':<14}{'page':<22}{header}")
    for key in results[sizes[0]]:
        row = f"{key[0]:<14}{key[1]:<22}"
        for size in sizes:
            values = results[size][key]
            row += f"{statistics.median(values):>19.1f} ms{percentile(values, 0.95):>8.1f} ms"
        print(row)
    small, large = sizes[0], sizes[-1]
    print(f"\np50 at {large:,} cases / p50 at {small:,} cases:")
    for key in results[small]:
        ratio = statistics.median(results[large][key]) / statistics.median(results[small][key])
        print(f"  {key[0]:<14}{key[1]:<22}{ratio:5.1f}x")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sign_in(base: str, username: str):
    import requests

    session = requests.Session()
    form = session.get(f"{base}/sign-in/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    response = session.post(
        f"{base}/sign-in/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/sign-in/"},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302:
        raise RuntimeError(f"{username} could not sign in: {response.status_code}")
    verify = response.headers["Location"]
    if verify.startswith("/sign-in/verify/"):
        from agencies.models import User

        form = session.get(f"{base}{verify}", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        session.post(
            f"{base}{verify}",
            data={
                "code": authenticator_code(User.objects.get(username=username)),
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": f"{base}{verify}"},
            allow_redirects=False,
            timeout=30,
        )
    return session


def load(dataset, users: int, seconds: int, workers: int, database_url: str) -> dict:
    """``users`` signed-in users, each opening home, a case page and the API list in turn,
    against gunicorn for ``seconds``."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        DEBUG="true",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
    )
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "cafsite.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        people = [dataset.coordinator, *dataset.practitioners][:users]
        give_authenticators(people)
        sessions = [sign_in(base, user.username) for user in people]
        case_ids = {user.pk: visible_case_ids(user, 50) for user in people}
        counts = {"ok": 0, "errors": 0}
        latencies: list[float] = []
        lock = threading.Lock()
        stop = time.perf_counter() + seconds

        def browse(user, session):
            n = 0
            while time.perf_counter() < stop:
                ids = case_ids[user.pk]
                urls = ["/", f"/cases/{ids[n % len(ids)]}/", "/api/cases/"]
                url = urls[n % len(urls)]
                n += 1
                started = time.perf_counter()
                try:
                    status = session.get(base + url, timeout=60).status_code
                except Exception:  # noqa: BLE001 - any failure is an error to count
                    status = 0
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    counts["ok" if status == 200 else "errors"] += 1
                    latencies.append(elapsed)

        threads = [
            threading.Thread(target=browse, args=(user, session))
            for user, session in zip(people, sessions, strict=True)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return dict(
        rate=(counts["ok"] + counts["errors"]) / elapsed,
        errors=counts["errors"],
        requests=counts["ok"] + counts["errors"],
        p50=statistics.median(latencies) if latencies else 0,
        p95=percentile(latencies, 0.95) if latencies else 0,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument(
        "--registers",
        default="100000:1000,1000000:200000",
        help="children:cases of each tenant, smallest first",
    )
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    datasets = []
    for spec in args.registers.split(","):
        children, cases = (int(n) for n in spec.split(":"))
        datasets.append(build_dataset(children=children, cases=cases))
    results = {dataset.cases: time_pages(dataset, args.repeats) for dataset in datasets}
    print(f"test client, {args.repeats} requests each after 2 warm-up")
    print_pages(results)
    if args.skip_load:
        return
    print(
        f"\n{args.users} signed-in users on gunicorn ({args.workers} workers), "
        f"{args.seconds} s, home / case page / API list in turn:"
    )
    rates = {}
    for dataset in datasets:
        result = load(dataset, args.users, args.seconds, args.workers, args.database_url)
        rates[dataset.cases] = result["rate"]
        print(
            f"  {dataset.cases:>7,} cases: {result['rate']:6.1f} requests/s, "
            f"{result['requests']} requests, {result['errors']} errors, "
            f"p50 {result['p50']:.0f} ms, p95 {result['p95']:.0f} ms"
        )
    small, large = datasets[0].cases, datasets[-1].cases
    print(f"  throughput at {large:,} / at {small:,}: {rates[large] / rates[small]:.2f}")


if __name__ == "__main__":
    main()
