"""The matching test set (R-CHECK-1): realistic searches against a realistic register, through
the database's candidate search and the ranking, asserting who comes first and who must not
appear at all."""

from datetime import date

import pytest
from stdnum.gb import upn

from cases.matching import ChildQuery, Strength, birth_date_variants
from cases.register import register_matches
from cases.services import child_register


def _upn(serial: str) -> str:
    body = f"8012000{serial}"
    return upn.calc_check_digit(body) + body


# key: (given, family, other names, date of birth, postcode, NHS number, UPN)
REGISTER = {
    "muhammad_khan": ("Muhammad", "Khan", "", date(2015, 3, 4), "NS1 2AB", "", ""),
    "amelia_khan": ("Amelia", "Khan", "", date(2015, 3, 4), "NS1 2AB", "", ""),  # twin
    "katherine_smyth": ("Katherine", "Smyth", "", date(2010, 6, 20), "NS2 3CD", "", ""),
    "elizabeth_smith_jones": ("Elizabeth", "Smith-Jones", "", date(2012, 11, 5), "NS3 4EF", "", ""),
    "alexander_nowak": ("Alexander", "Nowak", "", date(2014, 1, 9), "NS1 7GH", "", ""),
    "aleksandra_nowak": ("Aleksandra", "Nowak", "", date(2016, 8, 30), "NS1 7GH", "", ""),
    "siobhan_oconnor": ("Siobhan", "O'Connor", "", date(2011, 12, 1), "NS4 1JK", "", ""),
    "abdirahman_hassan": ("Abdirahman", "Hassan", "", date(2013, 5, 14), "NS2 8LM", "", ""),
    "chidinma_okafor": ("Chidinma", "Okafor", "", date(2017, 2, 27), "NS5 2NP", "", ""),
    "wei_chen": ("Wei", "Chen", "", date(2012, 9, 18), "NS3 9QR", "", ""),
    "andrei_popescu": ("Andrei", "Popescu", "", date(2009, 4, 3), "NS6 1ST", "", ""),
    "jack_taylor_2014": ("Jack", "Taylor", "", date(2014, 7, 7), "NS1 1UV", "", ""),
    "jack_taylor_2008": ("Jack", "Taylor", "", date(2008, 2, 11), "NS7 4WX", "", ""),
    "oliver_brown": ("Oliver", "Brown", "Oliver Green", date(2013, 10, 10), "NS2 2YZ", "", ""),
    "priya_patel": ("Priya", "Patel", "", date(2015, 12, 25), "NS4 6AB", "9434765919", ""),
    "grace_wilson": ("Grace", "Wilson", "", date(2016, 3, 17), "NS8 3CD", "", _upn("05002")),
    "mohammed_ali": ("Mohammed", "Ali", "", date(2018, 6, 6), "NS1 3EF", "", ""),
    "mohammed_ali_older": ("Mohammed", "Ali", "", date(2011, 1, 23), "NS9 5GH", "", ""),
    "catherine_jones": ("Catherine", "Jones", "", date(2012, 4, 15), "NS2 6JK", "", ""),
    "william_evans": ("William", "Evans", "", date(2010, 8, 8), "NS3 1LM", "", ""),
    "zainab_begum": ("Zainab", "Begum", "", date(2014, 11, 29), "NS5 7NP", "", ""),
    "jakub_kowalski": ("Jakub", "Kowalski", "", date(2013, 3, 21), "NS6 8QR", "", ""),
    "aoife_murphy": ("Aoife", "Murphy", "", date(2015, 9, 2), "NS4 2ST", "", ""),
    "ruby_smith": ("Ruby", "Smith", "", date(2019, 5, 5), "NS7 9UV", "", ""),
    "leo_smith": ("Leo", "Smith", "", date(2019, 5, 5), "NS7 9UV", "", ""),  # twin
    "thomas_wright": ("Thomas", "Wright", "", date(2011, 7, 30), "NS8 1WX", "", ""),
    "daniel_osei": ("Daniel", "Osei", "", date(2016, 10, 12), "NS9 2YZ", "", ""),
    "isabella_rossi": ("Isabella", "Rossi", "Bella Rossi", date(2012, 2, 14), "NS1 8AB", "", ""),
    "yusuf_ahmed": ("Yusuf", "Ahmed", "", date(2017, 7, 19), "NS2 4CD", "", ""),
    "sophie_clarke": ("Sophie", "Clarke", "", date(2013, 6, 24), "NS3 5EF", "", ""),
    "nathaniel_green": ("Nathaniel", "Green", "", date(2010, 3, 3), "NS4 8GH", "", ""),
    "margaret_hughes": ("Margaret", "Hughes", "", date(2014, 9, 9), "NS5 3JK", "", ""),
    "robert_davies": ("Robert", "Davies", "", date(2011, 11, 11), "NS6 6LM", "", ""),
    "jennifer_lee": ("Jennifer", "Lee", "", date(2015, 1, 31), "NS7 2NP", "", ""),
    "emily_walker": ("Emily", "Walker", "", date(2012, 12, 12), "NS8 7QR", "", ""),
    "michael_obrien": ("Michael", "O'Brien", "", date(2009, 10, 20), "NS9 3ST", "", ""),
    "fatima_rahman": ("Fatima", "Rahman", "", date(2016, 4, 4), "NS1 5UV", "", ""),
    "hannah_kaur": ("Hannah", "Kaur", "", date(2018, 2, 2), "NS2 9WX", "", ""),
    "stefan_ionescu": ("Stefan", "Ionescu", "", date(2013, 8, 16), "NS3 3YZ", "", ""),
    "christopher_hall": ("Christopher", "Hall", "", date(2010, 5, 25), "NS4 4AB", "", ""),
}

# (id, expected first, minimum strength, query fields); expected None: nothing may match.
FOUND = [
    ("exact", "muhammad_khan", Strength.STRONG, dict(g="Muhammad", f="Khan", d=date(2015, 3, 4))),
    (
        "mohammed-muhammad",
        "muhammad_khan",
        Strength.STRONG,
        dict(g="Mohammed", f="Khan", d=date(2015, 3, 4)),
    ),
    (
        "mohamed-single-m",
        "muhammad_khan",
        Strength.STRONG,
        dict(g="Mohamed", f="Khan", d=date(2015, 3, 4)),
    ),
    (
        "khan-kahn",
        "muhammad_khan",
        Strength.STRONG,
        dict(g="Muhammad", f="Kahn", d=date(2015, 3, 4)),
    ),
    (
        "dob-day-month-swap",
        "muhammad_khan",
        Strength.STRONG,
        dict(g="Muhammad", f="Khan", d=date(2015, 4, 3)),
    ),
    (
        "names-swapped",
        "muhammad_khan",
        Strength.STRONG,
        dict(g="Khan", f="Muhammad", d=date(2015, 3, 4)),
    ),
    ("no-postcode-no-dob", "muhammad_khan", Strength.POSSIBLE, dict(g="Muhammad", f="Khan")),
    (
        "catherine-katherine",
        "katherine_smyth",
        Strength.STRONG,
        dict(g="Catherine", f="Smyth", d=date(2010, 6, 20)),
    ),
    (
        "smith-smyth",
        "katherine_smyth",
        Strength.STRONG,
        dict(g="Katherine", f="Smith", d=date(2010, 6, 20)),
    ),
    (
        "kate-nickname",
        "katherine_smyth",
        Strength.POSSIBLE,
        dict(g="Kate", f="Smyth", d=date(2010, 6, 20)),
    ),
    (
        "kathy-smith-both",
        "katherine_smyth",
        Strength.POSSIBLE,
        dict(g="Kathy", f="Smith", d=date(2010, 6, 20)),
    ),
    (
        "liz-short-form",
        "elizabeth_smith_jones",
        Strength.POSSIBLE,
        dict(g="Liz", f="Smith-Jones", d=date(2012, 11, 5)),
    ),
    (
        "hyphen-first-part",
        "elizabeth_smith_jones",
        Strength.STRONG,
        dict(g="Elizabeth", f="Smith", d=date(2012, 11, 5)),
    ),
    (
        "hyphen-second-part",
        "elizabeth_smith_jones",
        Strength.STRONG,
        dict(g="Elizabeth", f="Jones", d=date(2012, 11, 5)),
    ),
    (
        "hyphen-as-space",
        "elizabeth_smith_jones",
        Strength.STRONG,
        dict(g="Elizabeth", f="Smith Jones", d=date(2012, 11, 5)),
    ),
    (
        "beth-nickname",
        "elizabeth_smith_jones",
        Strength.POSSIBLE,
        dict(g="Beth", f="Smith-Jones", d=date(2012, 11, 5)),
    ),
    (
        "alex-alexander",
        "alexander_nowak",
        Strength.POSSIBLE,
        dict(g="Alex", f="Nowak", d=date(2014, 1, 9)),
    ),
    (
        "alexander-typo",
        "alexander_nowak",
        Strength.STRONG,
        dict(g="Alexnader", f="Nowak", d=date(2014, 1, 9)),
    ),
    (
        "nowak-novak",
        "alexander_nowak",
        Strength.STRONG,
        dict(g="Alexander", f="Novak", d=date(2014, 1, 9)),
    ),
    (
        "aleksandra-alexandra",
        "aleksandra_nowak",
        Strength.STRONG,
        dict(g="Alexandra", f="Nowak", d=date(2016, 8, 30)),
    ),
    (
        "siobhan-shevaun",
        "siobhan_oconnor",
        Strength.POSSIBLE,
        dict(g="Shivon", f="O'Connor", d=date(2011, 12, 1)),
    ),
    (
        "oconnor-no-apostrophe",
        "siobhan_oconnor",
        Strength.STRONG,
        dict(g="Siobhan", f="OConnor", d=date(2011, 12, 1)),
    ),
    (
        "oconnor-space",
        "siobhan_oconnor",
        Strength.STRONG,
        dict(g="Siobhan", f="O Connor", d=date(2011, 12, 1)),
    ),
    (
        "abdirahman-abdurahman",
        "abdirahman_hassan",
        Strength.STRONG,
        dict(g="Abdurahman", f="Hassan", d=date(2013, 5, 14)),
    ),
    (
        "hassan-hasan",
        "abdirahman_hassan",
        Strength.STRONG,
        dict(g="Abdirahman", f="Hasan", d=date(2013, 5, 14)),
    ),
    (
        "chidinma-typo",
        "chidinma_okafor",
        Strength.STRONG,
        dict(g="Chidimma", f="Okafor", d=date(2017, 2, 27)),
    ),
    (
        "okafor-okafur",
        "chidinma_okafor",
        Strength.STRONG,
        dict(g="Chidinma", f="Okafur", d=date(2017, 2, 27)),
    ),
    (
        "chen-names-swapped",
        "wei_chen",
        Strength.STRONG,
        dict(g="Chen", f="Wei", d=date(2012, 9, 18)),
    ),
    (
        "andrei-andrey",
        "andrei_popescu",
        Strength.STRONG,
        dict(g="Andrey", f="Popescu", d=date(2009, 4, 3)),
    ),
    (
        "popescu-dob-digit",
        "andrei_popescu",
        Strength.POSSIBLE,
        dict(g="Andrei", f="Popescu", d=date(2009, 4, 8)),
    ),
    (
        "taylor-right-dob",
        "jack_taylor_2014",
        Strength.STRONG,
        dict(g="Jack", f="Taylor", d=date(2014, 7, 7)),
    ),
    (
        "taylor-older-dob",
        "jack_taylor_2008",
        Strength.STRONG,
        dict(g="Jack", f="Taylor", d=date(2008, 2, 11)),
    ),
    (
        "changed-surname",
        "oliver_brown",
        Strength.POSSIBLE,
        dict(g="Oliver", f="Green", d=date(2013, 10, 10)),
    ),
    (
        "changed-surname-new-name-no-other",
        "oliver_brown",
        Strength.POSSIBLE,
        dict(g="Oliver", f="Black", d=date(2013, 10, 10), p="NS2 2YZ"),
    ),
    ("nhs-number-only", "priya_patel", Strength.CERTAIN, dict(n="9434765919")),
    (
        "nhs-number-with-wrong-name",
        "priya_patel",
        Strength.CERTAIN,
        dict(g="Pria", f="Patell", n="9434765919"),
    ),
    ("upn-only", "grace_wilson", Strength.CERTAIN, dict(u=_upn("05002"))),
    (
        "mohammed-ali-younger",
        "mohammed_ali",
        Strength.STRONG,
        dict(g="Muhammad", f="Aly", d=date(2018, 6, 6)),
    ),
    (
        "mohammed-ali-older",
        "mohammed_ali_older",
        Strength.STRONG,
        dict(g="Mohammad", f="Ali", d=date(2011, 1, 23)),
    ),
    (
        "kathryn-catherine",
        "catherine_jones",
        Strength.POSSIBLE,
        dict(g="Kathryn", f="Jones", d=date(2012, 4, 15)),
    ),
    (
        "bill-william",
        "william_evans",
        Strength.POSSIBLE,
        dict(g="Bill", f="Evans", d=date(2010, 8, 8)),
    ),
    (
        "will-william",
        "william_evans",
        Strength.POSSIBLE,
        dict(g="Will", f="Evans", d=date(2010, 8, 8)),
    ),
    (
        "zainab-zaynab",
        "zainab_begum",
        Strength.STRONG,
        dict(g="Zaynab", f="Begum", d=date(2014, 11, 29)),
    ),
    (
        "begum-begam",
        "zainab_begum",
        Strength.STRONG,
        dict(g="Zainab", f="Begam", d=date(2014, 11, 29)),
    ),
    (
        "jakub-jacob",
        "jakub_kowalski",
        Strength.POSSIBLE,
        dict(g="Jacob", f="Kowalski", d=date(2013, 3, 21)),
    ),
    (
        "kowalski-kowalsky",
        "jakub_kowalski",
        Strength.STRONG,
        dict(g="Jakub", f="Kowalsky", d=date(2013, 3, 21)),
    ),
    (
        "aoife-eefa",
        "aoife_murphy",
        Strength.POSSIBLE,
        dict(g="Aoife", f="Murphey", d=date(2015, 9, 2)),
    ),
    (
        "tom-thomas",
        "thomas_wright",
        Strength.POSSIBLE,
        dict(g="Tom", f="Wright", d=date(2011, 7, 30)),
    ),
    (
        "wright-right",
        "thomas_wright",
        Strength.STRONG,
        dict(g="Thomas", f="Right", d=date(2011, 7, 30)),
    ),
    (
        "year-out",
        "daniel_osei",
        Strength.POSSIBLE,
        dict(g="Daniel", f="Osei", d=date(2017, 10, 12)),
    ),
    (
        "danny-daniel",
        "daniel_osei",
        Strength.POSSIBLE,
        dict(g="Danny", f="Osei", d=date(2016, 10, 12)),
    ),
    (
        "bella-other-name",
        "isabella_rossi",
        Strength.STRONG,
        dict(g="Bella", f="Rossi", d=date(2012, 2, 14)),
    ),
    (
        "yusuf-yousef",
        "yusuf_ahmed",
        Strength.STRONG,
        dict(g="Yousef", f="Ahmed", d=date(2017, 7, 19)),
    ),
    (
        "ahmed-ahmad",
        "yusuf_ahmed",
        Strength.STRONG,
        dict(g="Yusuf", f="Ahmad", d=date(2017, 7, 19)),
    ),
    (
        "sophie-sofie",
        "sophie_clarke",
        Strength.STRONG,
        dict(g="Sofie", f="Clark", d=date(2013, 6, 24)),
    ),
    (
        "nate-nathaniel",
        "nathaniel_green",
        Strength.POSSIBLE,
        dict(g="Nate", f="Green", d=date(2010, 3, 3)),
    ),
    (
        "maggie-margaret",
        "margaret_hughes",
        Strength.POSSIBLE,
        dict(g="Maggie", f="Hughes", d=date(2014, 9, 9)),
    ),
    (
        "bob-robert",
        "robert_davies",
        Strength.POSSIBLE,
        dict(g="Bob", f="Davies", d=date(2011, 11, 11)),
    ),
    (
        "jenny-jennifer",
        "jennifer_lee",
        Strength.POSSIBLE,
        dict(g="Jenny", f="Lee", d=date(2015, 1, 31)),
    ),
    (
        "emily-emilie-dob-swap",
        "emily_walker",
        Strength.STRONG,
        dict(g="Emilie", f="Walker", d=date(2012, 12, 12)),
    ),
    (
        "mick-obrien",
        "michael_obrien",
        Strength.POSSIBLE,
        dict(g="Mike", f="OBrien", d=date(2009, 10, 20)),
    ),
    (
        "fatima-fatimah",
        "fatima_rahman",
        Strength.STRONG,
        dict(g="Fatimah", f="Rehman", d=date(2016, 4, 4)),
    ),
    (
        "stefan-stephan",
        "stefan_ionescu",
        Strength.STRONG,
        dict(g="Stephan", f="Ionescu", d=date(2013, 8, 16)),
    ),
    (
        "chris-christopher",
        "christopher_hall",
        Strength.POSSIBLE,
        dict(g="Chris", f="Hall", d=date(2010, 5, 25)),
    ),
]

# (id, child that must NOT be in the results, query fields)
NOT_FOUND = [
    ("twin-amelia-not-muhammad", "muhammad_khan", dict(g="Amelia", f="Khan", d=date(2015, 3, 4))),
    ("twin-muhammad-not-amelia", "amelia_khan", dict(g="Muhammad", f="Khan", d=date(2015, 3, 4))),
    ("twin-ruby-not-leo", "leo_smith", dict(g="Ruby", f="Smith", d=date(2019, 5, 5))),
    ("twin-leo-not-ruby", "ruby_smith", dict(g="Leo", f="Smith", d=date(2019, 5, 5))),
    ("same-name-far-dob", "muhammad_khan", dict(g="Muhammad", f="Khan", d=date(2009, 9, 9))),
    ("taylor-2014-not-2008", "jack_taylor_2008", dict(g="Jack", f="Taylor", d=date(2014, 7, 7))),
    (
        "ali-younger-not-older",
        "mohammed_ali_older",
        dict(g="Mohammed", f="Ali", d=date(2018, 6, 6)),
    ),
    ("nowak-sibling", "aleksandra_nowak", dict(g="Alexander", f="Nowak", d=date(2014, 1, 9))),
    (
        "different-child-same-dob",
        "emily_walker",
        dict(g="George", f="Harris", d=date(2012, 12, 12)),
    ),
    (
        "different-surname-and-name",
        "katherine_smyth",
        dict(g="Peter", f="Smith", d=date(2010, 6, 20)),
    ),
    ("name-only-unknown", "wei_chen", dict(g="Wendy", f="Cheng")),
    ("wrong-nhs-number", "priya_patel", dict(g="Grace", f="Wilson", n="4010232137")),
]


@pytest.fixture
def register(world):
    children = {}
    for key, (given, family, other, born, postcode, nhs, upn_) in REGISTER.items():
        children[key] = child_register(
            by=world.a.users["assessor"],
            given_name=given,
            family_name=family,
            other_names=other,
            date_of_birth=born,
            postcode=postcode,
            nhs_number=nhs,
            upn=upn_,
        )
    return world.a.tenant, children


def _query(fields) -> ChildQuery:
    return ChildQuery(
        given_name=fields.get("g", ""),
        family_name=fields.get("f", ""),
        date_of_birth=fields.get("d"),
        postcode=fields.get("p", ""),
        nhs_number=fields.get("n", ""),
        upn=fields.get("u", ""),
    )


def test_the_set_is_large_enough():
    assert len(FOUND) + len(NOT_FOUND) >= 60


def test_finds_each_child_first_with_its_strength(register):
    # One register for the whole set (building it per case is slow); every miss is listed.
    tenant, children = register
    misses = []
    for case_id, expected, strength, fields in FOUND:
        matches = register_matches(tenant_id=tenant.pk, query=_query(fields))
        ranked = [(m.record.given_name, m.record.family_name, m.score) for m in matches]
        if not matches or matches[0].record.pk != children[expected].pk:
            misses.append(f"{case_id}: expected {expected} first, got {ranked}")
        elif matches[0].strength < strength:
            misses.append(f"{case_id}: {matches[0].strength.name} < {strength.name}")
    assert misses == []


def test_does_not_offer_another_child(register):
    tenant, children = register
    wrong = []
    for case_id, excluded, fields in NOT_FOUND:
        matches = register_matches(tenant_id=tenant.pk, query=_query(fields))
        if children[excluded].pk in [m.record.pk for m in matches]:
            wrong.append(f"{case_id}: offered {excluded}")
    assert wrong == []


def test_another_tenant_register_is_never_searched(register, world):
    matches = register_matches(
        tenant_id=world.b.tenant.pk, query=_query(dict(g="Muhammad", f="Khan", d=date(2015, 3, 4)))
    )
    assert matches == []


def test_birth_date_variants_cover_the_usual_mistakes():
    born = date(2015, 3, 4)
    variants = birth_date_variants(born)
    assert {date(2015, 4, 3), date(2014, 3, 4), date(2016, 3, 4), date(2015, 3, 14)} <= variants
    assert date(2009, 9, 9) not in variants
