"""What managers report on, for a benchmark register built by bench/dataset.py and
bench/assessment_data.py: the rest of each case's life, managers, more staff, and ten million
audit entries (issue 15).

    .venv/bin/python bench/reports_data.py --database-url postgres://postgres@127.0.0.1:5432/bench15

On top of the register (300,000 children, 200,000 cases) and its assessments, all in SQL
(``INSERT … SELECT`` over ``generate_series``; about 17 minutes on two shared cores):

- cases past logging (team around the child, review, and three in four closed ones) get a
  logged assessment with its first version (level of need 1-4, completing agency, dates), the
  case's assessment dates, lead professional and lead agency;
- TAC meetings: the first held 3 to 43 days after logging (so some miss the 20 working days),
  then every six to twelve weeks, one in twenty-five cancelled, the next one planned for open
  cases; reviews every three months from the first TAC, one case in five stopping (overdue
  reviews), a closing review for most closed cases;
- two to five plan actions per case with one or two Supporting Families outcomes each;
- a closure with a reason for every closed case (non-engagement flagged as a risk half the
  time) and consent refusals: half the cases closed before assessment, and refusals recorded
  with no case at all;
- a manager for the CAF team and for each agency, 12 CAF coordinators, 20 practitioners per
  agency in 25 agencies;
- 10,000,000 audit entries (4 million changes, 6 million views, prints, exports, searches and
  sign-ins) over three years, in time order (ids rise with time, as they do live), more of
  them as the register grows, on recently logged cases more than old ones, by people of the
  case's agency mostly (the CAF team and other agencies the rest), a few people doing much
  more than most.

The audit tables' secondary indexes are dropped for the load and built again after, in the
same transaction; the database is vacuumed and analysed at the end. A tenant that already has
its audit entries is reused as it is.
"""

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.dataset import PASSWORD, build_dataset, setup_django  # noqa: E402

AGENCIES, USERS_PER_AGENCY, CAF_COORDINATORS = 25, 20, 12
CHANGE_ENTRIES, ACCESS_ENTRIES = 4_000_000, 6_000_000
YEARS = 3
CHUNK_DAYS = 30


def managers(dataset) -> tuple[object, list]:
    """The CAF team's manager and coordinators, and one manager per agency (made once)."""
    from django.contrib.auth.hashers import make_password

    from agencies.models import Membership, Role, User
    from agencies.services import staff_sync_agency_groups

    slug = dataset.tenant.slug
    password = make_password(PASSWORD)

    def member(username, agency, role=Role.MANAGER):
        user, made = User.objects.get_or_create(
            username=username,
            defaults=dict(
                tenant=dataset.tenant,
                password=password,
                first_name="Manager",
                last_name=agency.name,
                job_title="Manager",
                dbs_checked_on="2025-01-06",
                dbs_reference="001234567890",
            ),
        )
        if made:
            Membership.objects.create(user=user, agency=agency, role=role)
            staff_sync_agency_groups(user=user)
        return user

    caf = member(f"{slug}.caf.manager", dataset.caf_team)
    others = [member(f"{slug}.a{n + 1}.manager", a) for n, a in enumerate(dataset.agencies)]
    # The CAF team's coordinators, who read and log much of what is written.
    for n in range(CAF_COORDINATORS):
        member(f"{slug}.caf.c{n + 1}", dataset.caf_team, Role.CAF_COORDINATOR)
    return caf, others


def _run(cursor, report, label, sql, params=()):
    started = time.perf_counter()
    cursor.execute(sql, params)
    report(f"  {label}: {cursor.rowcount} rows ({time.perf_counter() - started:.0f} s)")


LIFECYCLE = """
CREATE TEMP TABLE lc AS
SELECT c.id AS case_id, c.child_id, c.assessor_id, c.assessor_agency_id AS agency_id, c.state,
       c.intention_logged_at AS t0, c.closed_on,
       (c.state <> 'closed' OR random() < 0.75) AS assessed,
       random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
FROM cases_case c
WHERE c.tenant_id = %(tenant)s AND c.state IN ('delivery', 'review', 'closed')
  AND NOT EXISTS (SELECT 1 FROM assessments_assessment a WHERE a.case_id = c.id);
ALTER TABLE lc ADD COLUMN started date, ADD COLUMN completed date, ADD COLUMN submitted date,
  ADD COLUMN logged date, ADD COLUMN first_tac date;
ANALYZE lc;
UPDATE lc SET started = least(current_date - 4, t0::date + (3 + r1 * 25)::int);
UPDATE lc SET completed = least(current_date - 3, started + (5 + r2 * 35)::int);
UPDATE lc SET submitted = least(current_date - 2, completed + (r3 * 10)::int);
UPDATE lc SET logged = least(current_date - 1, submitted + (1 + r4 * 9)::int);
UPDATE lc SET first_tac = least(current_date - 1, logged + (3 + r5 * 40)::int);
-- A closed case closed after its plan began.
UPDATE lc SET closed_on = least(current_date - 1, first_tac + (30 + r1 * 400)::int)
WHERE state = 'closed' AND assessed AND closed_on < first_tac + 30;
UPDATE cases_case c SET closed_on = lc.closed_on FROM lc
WHERE c.id = lc.case_id AND c.closed_on IS DISTINCT FROM lc.closed_on;
"""

ASSESSMENTS = """
INSERT INTO assessments_assessment (state, started_on, submitted_at, logged_reference,
  logged_on, case_id, logged_by_id, started_by_id, tenant_id)
SELECT 'logged', started, submitted + time '10:00', 'L' || extract(year FROM logged) || '/'
  || lpad(case_id::text, 6, '0'), logged, case_id, %(coordinator)s, assessor_id, %(tenant)s
FROM lc WHERE assessed;
INSERT INTO assessments_assessmentversion (number, reason, created_at, framework,
  level_of_need, completed_on, assessor_signed_name, assessor_signed_on, family_signed_name,
  family_signed_relationship, family_signed_on, signature_scan, family_copy_withheld_reason,
  assessment_id, completing_agency_id, created_by_id, signed_off_by_id)
SELECT 1, 'first', lc.started + time '09:30', %(framework)s::jsonb,
  CASE WHEN lc.r2 < 0.12 THEN 1 WHEN lc.r2 < 0.50 THEN 2 WHEN lc.r2 < 0.88 THEN 3 ELSE 4 END,
  lc.completed, 'A Practitioner', lc.completed, 'A Parent', 'Mother', lc.completed, '', '',
  a.id, lc.agency_id, lc.assessor_id, lc.assessor_id
FROM lc JOIN assessments_assessment a ON a.case_id = lc.case_id WHERE lc.assessed;
UPDATE cases_case c SET assessment_started_on = lc.started,
  assessment_completed_on = lc.completed, submitted_on = lc.submitted, logged_on = lc.logged,
  lead_professional_id = lc.assessor_id, lead_agency_id = lc.agency_id, lead_since = lc.first_tac,
  level_of_need = CASE WHEN lc.r2 < 0.12 THEN 1 WHEN lc.r2 < 0.50 THEN 2 WHEN lc.r2 < 0.88 THEN 3
    ELSE 4 END
FROM lc WHERE c.id = lc.case_id AND lc.assessed;
"""

MEETINGS = """
INSERT INTO meetings_tacmeeting (scheduled_at, venue, state, purpose, chaired_by,
  recorded_by_name, consent_checked, confidentiality_agreed, actions_reviewed,
  development_notes, parenting_notes, family_environment_notes, next_meeting_venue, held_on,
  cancelled_reason, revision, created_at, updated_at, case_id, convened_by_id,
  convened_by_agency_id, held_recorded_by_id, tenant_id)
SELECT m.at, 'Family room, Riverside Children''s Centre',
  CASE WHEN m.at::date >= current_date THEN 'planned' WHEN m.cancel THEN 'cancelled'
       ELSE 'held' END,
  '', '', '', true, true, '', '', '', '', '',
  CASE WHEN m.at::date < current_date AND NOT m.cancel THEN m.at::date END,
  CASE WHEN m.at::date < current_date AND m.cancel THEN 'The family asked to rearrange.'
       ELSE '' END,
  1, m.at - interval '14 days', m.at, m.case_id, m.assessor_id, m.agency_id,
  CASE WHEN m.at::date < current_date AND NOT m.cancel THEN m.assessor_id END, %(tenant)s
FROM (
  SELECT lc.case_id, lc.assessor_id, lc.agency_id,
    (lc.first_tac + (n * (42 + lc.r3 * 42))::int) + time '10:00' AS at,
    n > 0 AND random() < 0.04 AS cancel, lc.state, lc.closed_on
  FROM lc CROSS JOIN LATERAL generate_series(0, 1 + (lc.r4 * 5)::int) AS n
  WHERE lc.assessed
) m
WHERE (m.state = 'closed' AND m.at::date <= m.closed_on)
   OR (m.state <> 'closed' AND m.at::date < current_date + 42);
"""

REVIEWS = """
INSERT INTO delivery_casereview (held_on, needs_met, needs_unmet, needs_new, decision,
  decision_note, recorded_at, case_id, recorded_by_id, tenant_id)
SELECT r.held_on, 'Attendance is up and mornings are calmer.', 'Sleep routine not yet settled.',
  '', CASE WHEN r.x < 0.75 THEN 'continue' WHEN r.x < 0.90 THEN 'revise'
           WHEN r.x < 0.95 THEN 'reassess' ELSE 'escalate' END,
  '', r.held_on + time '15:00', r.case_id, r.assessor_id, %(tenant)s
FROM (
  SELECT lc.case_id, lc.assessor_id, random() AS x,
    lc.first_tac + 80 + n * 90 + (lc.r2 * 12)::int AS held_on, lc.state, lc.closed_on
  FROM lc CROSS JOIN LATERAL generate_series(0, 12) AS n
  WHERE lc.assessed AND (lc.r5 >= 0.2 OR n < (lc.r1 * 3)::int)
) r
WHERE r.held_on < coalesce(r.closed_on, current_date);
INSERT INTO delivery_casereview (held_on, needs_met, needs_unmet, needs_new, decision,
  decision_note, recorded_at, case_id, recorded_by_id, tenant_id)
SELECT closed_on, 'The plan''s outcomes were met.', '', '', 'close', '',
  closed_on + time '15:00', case_id, assessor_id, %(tenant)s
FROM lc WHERE state = 'closed' AND assessed AND r3 < 0.6;
"""

PLAN_ACTIONS = """
INSERT INTO cases_planaction (need, strengths, supporting_families_outcomes, outcome, action,
  owner_family_member, due_on, status, status_reason, agreed_at, updated_at, accepted_at,
  agreed_by_id, accepted_by_id, case_id, owner_agency_id, owner_user_id, tenant_id)
SELECT o.need, 'Mum is keen to work with the school.',
  CASE WHEN p.two THEN jsonb_build_array(o.code, o2.code) ELSE jsonb_build_array(o.code) END,
  o.outcome, o.action, '', p.first_tac + p.due_days,
  CASE WHEN p.state = 'closed' THEN
         CASE WHEN p.x < 0.7 THEN 'done' WHEN p.x < 0.9 THEN 'not_done' ELSE 'declined' END
       WHEN p.x < 0.1 AND NOT p.own THEN 'requested' WHEN p.x < 0.35 THEN 'not_started'
       WHEN p.x < 0.75 THEN 'in_progress' ELSE 'done' END,
  '', p.first_tac + time '11:00', p.first_tac + time '11:00',
  CASE WHEN p.own OR p.x >= 0.1 THEN p.first_tac + time '16:00' END,
  p.assessor_id,
  CASE WHEN p.own OR p.x >= 0.1 THEN p.assessor_id END,
  p.case_id, p.owner_agency, CASE WHEN p.own THEN p.assessor_id END, %(tenant)s
FROM (
  SELECT lc.case_id, lc.assessor_id, lc.first_tac, lc.state, random() AS x,
    (30 + random() * 150)::int AS due_days, random() < 0.3 AS two,
    1 + (random() * 9.999)::int %% 10 AS o1, 1 + (random() * 9.999)::int %% 10 AS o2,
    q.own,
    CASE WHEN q.own THEN lc.agency_id
         ELSE (%(agencies)s::bigint[])
           [1 + (random() * 1e6)::int %% cardinality(%(agencies)s::bigint[])]
    END AS owner_agency
  FROM lc CROSS JOIN LATERAL generate_series(1, 2 + (lc.r2 * 3.999)::int) AS n
  CROSS JOIN LATERAL (SELECT random() < 0.7 + 0 * n AS own) q
  WHERE lc.assessed
) p
JOIN bench_outcome o ON o.n = p.o1 JOIN bench_outcome o2 ON o2.n = p.o2;
UPDATE cases_planaction SET done_at = updated_at WHERE status = 'done' AND done_at IS NULL;
"""

OUTCOMES = [
    (
        "education",
        "Attendance is 78% this term.",
        "Attendance above 95%.",
        "Morning routine plan and a place at breakfast club.",
    ),
    (
        "early_years",
        "Speech is behind for his age.",
        "Speech at the expected level.",
        "Referral to speech and language therapy.",
    ),
    (
        "health",
        "Low mood since the bereavement.",
        "Mum reports better sleep and mood.",
        "Counselling through the GP.",
    ),
    (
        "substance_use",
        "Dad's drinking affects the evenings.",
        "Dad engages with the alcohol service.",
        "Referral to the community alcohol team.",
    ),
    (
        "relationships",
        "Arguments between mum and the older sibling.",
        "Calmer evenings at home.",
        "Family support worker sessions, weekly.",
    ),
    (
        "safe_from_abuse",
        "Seen with older young people after school.",
        "Home by six on school days.",
        "Youth worker mentoring.",
    ),
    (
        "crime",
        "Involved in shoplifting with friends.",
        "No further police contact.",
        "Youth service diversion programme.",
    ),
    (
        "domestic_abuse",
        "Police called to the address twice.",
        "Mum has a safety plan.",
        "Referral to the domestic abuse service.",
    ),
    (
        "housing",
        "Family in temporary accommodation.",
        "A secure tenancy.",
        "Housing options appointment.",
    ),
    (
        "finances",
        "Rent arrears and no money for uniform.",
        "Arrears repaid on a plan.",
        "Debt advice and a uniform grant.",
    ),
]

CLOSURES = """
INSERT INTO delivery_caseclosure (closed_on, reason, note, risk_flag, reopen_reason,
  recorded_at, case_id, closed_by_id, tenant_id)
SELECT k.closed_on, k.reason, '', k.reason = 'non_engagement' AND random() < 0.5
  OR k.reason <> 'non_engagement' AND random() < 0.03, '', k.closed_on + time '16:30',
  k.case_id, k.assessor_id, %(tenant)s
FROM (
  SELECT c.id AS case_id, c.assessor_id, coalesce(c.closed_on, current_date - 1) AS closed_on,
    CASE WHEN c.logged_on IS NOT NULL THEN
      CASE WHEN x < 0.55 THEN 'needs_met' WHEN x < 0.67 THEN 'escalated'
           WHEN x < 0.79 THEN 'non_engagement' WHEN x < 0.87 THEN 'moved_away'
           WHEN x < 0.92 THEN 'consent_withdrawn' ELSE 'other' END
    ELSE
      CASE WHEN x < 0.45 THEN 'consent_withdrawn' WHEN x < 0.75 THEN 'non_engagement'
           WHEN x < 0.85 THEN 'moved_away' WHEN x < 0.92 THEN 'escalated' ELSE 'other' END
    END AS reason
  FROM (SELECT c.*, random() AS x FROM cases_case c
        WHERE c.tenant_id = %(tenant)s AND c.state = 'closed') c
) k;
"""

REFUSALS = """
INSERT INTO consent_consentrefusal (child_name, date_of_birth, gender, ethnicity, postcode,
  refused_by, note, refused_on, recorded_at, agency_id, case_id, child_id, practitioner_id,
  tenant_id, idempotency_key)
SELECT ch.given_name || ' ' || ch.family_name, ch.date_of_birth, ch.gender, ch.ethnicity,
  ch.postcode, CASE WHEN random() < 0.15 THEN 'child' ELSE 'parent' END,
  'Family did not want other agencies involved.', f.refused_on, f.refused_on + time '12:00',
  f.agency_id, f.case_id, f.child_id, f.assessor_id, %(tenant)s, ''
FROM (
  SELECT lc.case_id, lc.child_id, lc.child_id AS about, lc.agency_id, lc.assessor_id,
    least(current_date - 1, lc.t0::date + (1 + random() * 13)::int) AS refused_on
  FROM lc WHERE NOT lc.assessed AND random() < 0.5
  UNION ALL
  -- Refusals with no consent to record: only the note and the child's demographics are kept.
  SELECT NULL, NULL, c.child_id, c.assessor_agency_id, c.assessor_id,
    current_date - (1 + random() * 1094)::int
  FROM cases_case c WHERE c.tenant_id = %(tenant)s AND random() < 0.03
) f
JOIN cases_child ch ON ch.id = f.about;
"""


def load_lifecycle(dataset, report=print) -> None:
    """Assessments, meetings, reviews, plan actions, closures and refusals (once)."""
    from django.db import connection, transaction

    from delivery.models import CaseClosure

    if CaseClosure.objects.filter(tenant=dataset.tenant).exists():
        report("lifecycle: reused")
        return
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL synchronous_commit = off; SET LOCAL work_mem = '256MB'; "
            "SET CONSTRAINTS ALL IMMEDIATE"
        )
        cursor.execute("SELECT setseed(0.2026)")
        params = {
            "tenant": dataset.tenant.pk,
            "coordinator": dataset.coordinator.pk,
            "agencies": [a.pk for a in dataset.agencies],
        }
        cursor.execute(
            "SELECT framework::text FROM assessments_assessmentversion v "
            "JOIN assessments_assessment a ON a.id = v.assessment_id "
            "WHERE a.tenant_id = %s LIMIT 1",
            [dataset.tenant.pk],
        )
        row = cursor.fetchone()
        params["framework"] = row[0] if row else "{}"
        _run(cursor, report, "cases past logging", LIFECYCLE, params)
        _run(cursor, report, "assessments", ASSESSMENTS, params)
        _run(cursor, report, "TAC meetings", MEETINGS, params)
        _run(cursor, report, "reviews", REVIEWS, params)
        cursor.execute(
            "CREATE TEMP TABLE bench_outcome (n int, code text, need text, outcome text, "
            "action text)"
        )
        cursor.executemany(
            "INSERT INTO bench_outcome VALUES (%s, %s, %s, %s, %s)",
            [(n + 1, *row) for n, row in enumerate(OUTCOMES)],
        )
        _run(cursor, report, "plan actions", PLAN_ACTIONS, params)
        _run(cursor, report, "closures", CLOSURES, params)
        _run(cursor, report, "refusals", REFUSALS, params)
        cursor.execute("DROP TABLE lc; DROP TABLE bench_outcome")
    report(f"lifecycle loaded in {time.perf_counter() - started:.0f} s")


AUDIT_HELPERS = """
CREATE TEMP TABLE bench_case AS
SELECT row_number() OVER (ORDER BY intention_logged_at, id)::int AS n, id AS case_id, child_id,
  assessor_agency_id AS agency_id, intention_logged_at AS logged_at
FROM cases_case WHERE tenant_id = %(tenant)s;
CREATE UNIQUE INDEX ON bench_case (n);
CREATE TEMP TABLE bench_staff AS
SELECT m.agency_id, row_number() OVER (PARTITION BY m.agency_id ORDER BY u.id)::int AS k,
  u.id AS user_id, u.username
FROM agencies_user u JOIN agencies_membership m ON m.user_id = u.id
WHERE u.tenant_id = %(tenant)s;
CREATE UNIQUE INDEX ON bench_staff (agency_id, k);
CREATE TEMP TABLE bench_agency AS
SELECT row_number() OVER (ORDER BY agency_id)::int AS a, agency_id, count(*)::int AS staff
FROM bench_staff WHERE agency_id <> %(caf_team)s GROUP BY agency_id;
INSERT INTO bench_agency SELECT 0, agency_id, count(*) FROM bench_staff
WHERE agency_id = %(caf_team)s GROUP BY agency_id;
CREATE UNIQUE INDEX ON bench_agency (agency_id);
ANALYZE bench_case;
ANALYZE bench_staff;
ANALYZE bench_agency;
"""

# One row per entry of a window of time [ws, we): a case logged before the window's end
# (recent ones more often), the agency acted for and a person of it.
PICK = """
WITH g AS (
  SELECT date_trunc('day', %(ws)s::timestamptz + random() * (%(we)s::timestamptz - %(ws)s))
           + interval '8 hours' + random() * interval '10 hours' AS t,
         random() AS r_case, random() AS r_agency, random() AS r_user, random() AS r_kind,
         random() AS r_more
  FROM generate_series(1, %(rows)s)
), c AS (
  SELECT g.*, bc.case_id, bc.child_id, bc.logged_at,
    CASE WHEN g.r_agency < 0.72 THEN bc.agency_id
         WHEN g.r_agency < 0.85 THEN %(caf_team)s
         ELSE (SELECT agency_id FROM bench_agency
               WHERE a = 1 + (g.r_agency * 1e6)::int %% %(agency_count)s) END AS agency_id
  FROM g JOIN bench_case bc
    ON bc.n = greatest(1, %(cases)s - (%(cases)s * power(g.r_case, 2.5))::int)
)
SELECT greatest(c.t, c.logged_at + interval '1 minute') AS at, c.*, s.user_id, s.username
FROM c JOIN bench_agency ba ON ba.agency_id = c.agency_id
JOIN bench_staff s ON s.agency_id = c.agency_id
  AND s.k = 1 + least(ba.staff - 1, (ba.staff * power(c.r_user, 1.8))::int)
"""

ACCESS = """
INSERT INTO audit_accesslogentry (at, action, username, case_id, child_id, method, path, ip,
  user_agent, detail, tenant_id, user_id, agency_id)
SELECT e.at, e.action, e.username,
  CASE WHEN e.about_case THEN e.case_id END,
  CASE WHEN e.about_case AND e.action <> 'denied' THEN e.child_id END,
  'GET',
  CASE e.action WHEN 'view' THEN '/cases/' || e.case_id || '/'
    WHEN 'print' THEN '/cases/' || e.case_id || '/print/'
    WHEN 'export' THEN '/cases/' || e.case_id || '/export/'
    WHEN 'denied' THEN '/cases/' || e.case_id || '/'
    WHEN 'search' THEN '/cases/check/' WHEN 'list' THEN '/cases/'
    WHEN 'audit' THEN '/audit/' ELSE '/accounts/login/' END,
  ('10.' || (e.user_id %% 200) || '.' || (e.user_id / 200 %% 250) || '.'
    || (1 + (e.r_more * 250)::int))::inet,
  CASE WHEN e.r_more < 0.7 THEN 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edge/120.0'
       ELSE 'Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) Safari/604.1' END,
  CASE WHEN e.action = 'denied' THEN 'not permitted' ELSE '' END,
  %(tenant)s, e.user_id,
  CASE WHEN e.action NOT IN ('login', 'logout', 'login_failed', '2fa_failed')
       THEN e.agency_id END
FROM (
  SELECT p.*, p.action IN ('view', 'print', 'export', 'denied') AS about_case
  FROM (
    SELECT pick.*,
      CASE WHEN r_kind < 0.62 THEN 'view' WHEN r_kind < 0.64 THEN 'print'
           WHEN r_kind < 0.65 THEN 'export' WHEN r_kind < 0.66 THEN 'denied'
           WHEN r_kind < 0.75 THEN 'search' WHEN r_kind < 0.79 THEN 'list'
           WHEN r_kind < 0.89 THEN 'login' WHEN r_kind < 0.95 THEN 'logout'
           WHEN r_kind < 0.955 THEN 'audit' WHEN r_kind < 0.995 THEN 'login_failed'
           ELSE '2fa_failed' END AS action
    FROM ({pick}) pick
  ) p
) e
ORDER BY e.at
"""

CHANGES = """
INSERT INTO audit_changelogentry (object_pk, object_id, object_repr, action, changes_text,
  changes, remote_addr, timestamp, additional_data, case_id, child_id, actor_id,
  content_type_id, tenant_id, agency_id, actor_email)
SELECT e.object_id::text, e.object_id, e.repr, e.action, '', e.changes,
  ('10.' || (e.user_id %% 200) || '.' || (e.user_id / 200 %% 250) || '.'
    || (1 + (e.r_more * 250)::int))::inet,
  e.at,
  CASE WHEN e.about_case THEN jsonb_build_object('tenant_id', %(tenant)s, 'case_id', e.case_id,
    'child_id', e.child_id) ELSE jsonb_build_object('tenant_id', %(tenant)s) END,
  CASE WHEN e.about_case THEN e.case_id END, CASE WHEN e.about_case THEN e.child_id END,
  e.user_id, e.content_type_id, %(tenant)s, CASE WHEN e.about_case THEN e.agency_id END,
  NULL
FROM (
  SELECT pick.*, t.content_type_id, t.about_case,
    CASE WHEN pick.r_more < 0.35 THEN 0 WHEN pick.r_more < 0.96 THEN 1 ELSE 2 END AS action,
    CASE WHEN t.model = 'case' THEN pick.case_id WHEN t.model = 'child' THEN pick.child_id
         WHEN t.model = 'user' THEN pick.user_id
         ELSE pick.case_id * 7 + (pick.r_more * 7)::int END AS object_id,
    CASE WHEN t.model = 'user' THEN pick.username
         WHEN t.model = 'casegroupobjectpermission'
           THEN 'CAF-' || lpad(pick.case_id::text, 6, '0') || ' | agency-' || pick.agency_id
                || ' | view_case'
         ELSE 'CAF-' || lpad(pick.case_id::text, 6, '0') END AS repr,
    CASE t.model
      WHEN 'case' THEN jsonb_build_object('state', jsonb_build_array('assessment', 'submitted'))
      WHEN 'child' THEN jsonb_build_object('date_of_birth',
        jsonb_build_array('2016-04-12', '2016-04-21'))
      WHEN 'consent' THEN jsonb_build_object('share_scope',
        jsonb_build_array('named_only', 'all_involved'))
      WHEN 'assessmentsection' THEN jsonb_build_object('revision', jsonb_build_array('3', '4'))
      WHEN 'planaction' THEN jsonb_build_object('status',
        jsonb_build_array('not_started', 'in_progress'))
      WHEN 'tacmeeting' THEN jsonb_build_object('state', jsonb_build_array('planned', 'held'))
      WHEN 'user' THEN jsonb_build_object('last_login',
        jsonb_build_array('2026-01-05 09:01', '2026-01-06 08:55'))
      ELSE jsonb_build_object('id', jsonb_build_array('None', pick.case_id::text)) END
      AS changes
  FROM ({pick}) pick
  JOIN bench_change_kind t ON pick.r_kind >= t.lo AND pick.r_kind < t.hi
) e
ORDER BY e.at
"""

# (app, model, share of the change log); "user" entries are about no case.
CHANGE_KINDS = [
    ("cases", "case", 0.18),
    ("cases", "child", 0.07),
    ("consent", "consent", 0.07),
    ("assessments", "assessmentsection", 0.30),
    ("cases", "planaction", 0.12),
    ("meetings", "tacmeeting", 0.08),
    ("cases", "casegroupobjectpermission", 0.10),
    ("cases", "childnamekey", 0.03),
    ("delivery", "casereview", 0.02),
    ("delivery", "caseclosure", 0.01),
    ("agencies", "user", 0.02),
]


def _audit_indexes(cursor) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
        "('audit_changelogentry', 'audit_accesslogentry') AND indexname NOT LIKE '%%_pkey'"
    )
    return cursor.fetchall()


def load_audit(dataset, *, changes: int, accesses: int, report=print) -> None:
    """``changes`` change-log and ``accesses`` access-log entries over three years (once)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from audit.models import AccessLogEntry

    if AccessLogEntry.objects.filter(tenant=dataset.tenant).exists():
        report("audit entries: reused")
        return
    started = time.perf_counter()
    now = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    start = now - timedelta(days=365 * YEARS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL synchronous_commit = off; SET LOCAL work_mem = '512MB'; "
            "SET LOCAL maintenance_work_mem = '1GB'; SET CONSTRAINTS ALL IMMEDIATE"
        )
        cursor.execute("SELECT setseed(0.1503)")
        params = {"tenant": dataset.tenant.pk, "caf_team": dataset.caf_team.pk}
        cursor.execute(AUDIT_HELPERS, params)
        cursor.execute("SELECT count(*) FROM bench_agency WHERE a > 0")
        params["agency_count"] = cursor.fetchone()[0]
        cursor.execute(
            "CREATE TEMP TABLE bench_change_kind "
            "(model text, content_type_id int, lo float, hi float)"
        )
        low = 0.0
        for app, model, share in CHANGE_KINDS:
            cursor.execute(
                "INSERT INTO bench_change_kind SELECT %s, id, %s, %s FROM django_content_type "
                "WHERE app_label = %s AND model = %s",
                [model, low, low + share, app, model],
            )
            low += share
        cursor.execute(
            "UPDATE bench_change_kind SET hi = 1.0 "
            "WHERE hi = (SELECT max(hi) FROM bench_change_kind)"
        )
        cursor.execute("ALTER TABLE bench_change_kind ADD COLUMN about_case boolean")
        cursor.execute("UPDATE bench_change_kind SET about_case = model <> 'user'")
        indexes = _audit_indexes(cursor)
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        report(f"  dropped {len(indexes)} audit indexes for the load")
        windows = []
        at = start
        while at < now:
            windows.append((at, min(now, at + timedelta(days=CHUNK_DAYS))))
            at = windows[-1][1]
        # Cases logged by each window's end, and the weight of the window: usage grows with
        # the register, from half of today's at the start.
        sizes = []
        for _, we in windows:
            cursor.execute("SELECT count(*) FROM bench_case WHERE logged_at < %s", [we])
            sizes.append(cursor.fetchone()[0])
        weights = [
            (0.5 + 0.5 * size / sizes[-1]) * (we - ws).days
            for size, (ws, we) in zip(sizes, windows, strict=True)
        ]
        total = sum(weights)
        done_changes = done_accesses = 0
        for number, ((ws, we), size, weight) in enumerate(
            zip(windows, sizes, weights, strict=True)
        ):
            last = number == len(windows) - 1
            n_changes = changes - done_changes if last else round(changes * weight / total)
            n_accesses = accesses - done_accesses if last else round(accesses * weight / total)
            if size == 0:
                continue
            window = {**params, "ws": ws, "we": we, "cases": size}
            pick = PICK
            cursor.execute(CHANGES.replace("{pick}", pick), {**window, "rows": n_changes})
            cursor.execute(ACCESS.replace("{pick}", pick), {**window, "rows": n_accesses})
            done_changes += n_changes
            done_accesses += n_accesses
            report(
                f"  {ws:%Y-%m-%d}: {done_changes} changes, {done_accesses} accesses "
                f"({time.perf_counter() - started:.0f} s)"
            )
        for name, definition in indexes:
            index_started = time.perf_counter()
            cursor.execute(definition)
            report(f"  index {name} ({time.perf_counter() - index_started:.0f} s)")
    report(f"audit entries loaded in {time.perf_counter() - started:.0f} s")


def build_reports_data(*, children: int, cases: int, report=print):
    """The register with its lifecycle and audit trail; returns (dataset, caf manager,
    agency managers)."""
    from django.db import connection

    from bench.assessment_data import build_assessments

    dataset = build_dataset(
        children=children, cases=cases, agencies=AGENCIES, users_per_agency=USERS_PER_AGENCY
    )
    build_assessments(dataset, report=report)
    caf_manager, agency_managers = managers(dataset)
    load_lifecycle(dataset, report=report)
    fresh = not dataset_has_audit(dataset)
    load_audit(dataset, changes=CHANGE_ENTRIES, accesses=ACCESS_ENTRIES, report=report)
    if fresh:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        report(f"vacuumed and analysed in {time.perf_counter() - started:.0f} s")
    return dataset, caf_manager, agency_managers


def dataset_has_audit(dataset) -> bool:
    from audit.models import AccessLogEntry

    return AccessLogEntry.objects.filter(tenant=dataset.tenant).exists()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=300_000)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--database-url", help="default: $DATABASE_URL")
    args = parser.parse_args()
    setup_django(args.database_url)
    build_reports_data(children=args.children, cases=args.cases)


if __name__ == "__main__":
    main()
