"""The matching test set (R-CHECK-1): realistic searches against a realistic register, through
the database's candidate search and the ranking, asserting who comes first and who must not
appear at all."""

from datetime import date

import pytest
from stdnum.gb import upn

from cases.matching import ChildQuery, Strength, birth_date_variants
from cases.models import Child
from cases.register import register_matches
from cases.services import child_name_keys_refresh, child_register


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
    # Community short forms and nicknames the nicknames package lacks.
    "ibrahim_osman": ("Ibrahim", "Osman", "", date(2014, 2, 8), "NS5 1AB", "", ""),
    "abdullahi_warsame": ("Abdullahi", "Warsame", "", date(2012, 7, 21), "NS6 2CD", "", ""),
    "olivia_bennett": ("Olivia", "Bennett", "", date(2016, 11, 3), "NS7 3EF", "", ""),
    "isaac_cohen": ("Isaac", "Cohen", "", date(2015, 6, 12), "NS8 4GH", "", ""),
    "katarzyna_zielinska": ("Katarzyna", "Zielińska", "", date(2013, 9, 27), "NS9 5JK", "", ""),
    "oluwaseun_adeyemi": ("Oluwaseun", "Adeyemi", "", date(2011, 4, 19), "NS1 6LM", "", ""),
    "oluwatobi_bakare": ("Oluwatobi", "Bakare", "", date(2017, 1, 8), "NS2 7NP", "", ""),
    "chukwuemeka_eze": ("Chukwuemeka", "Eze", "", date(2010, 10, 30), "NS3 8QR", "", ""),
    "aleksander_wisniewski": (
        "Aleksander",
        "Wiśniewski",
        "",
        date(2012, 3, 16),
        "NS4 9ST",
        "",
        "",
    ),
    # Letters NFKD does not decompose.
    "lukasz_wojcik": ("Łukasz", "Wójcik", "", date(2014, 5, 23), "NS5 2UV", "", ""),
    "aysegul_yildiz": ("Ayşegül", "Yıldız", "", date(2016, 2, 11), "NS6 3WX", "", ""),
    "soren_moller": ("Søren", "Møller", "", date(2013, 12, 6), "NS7 4YZ", "", ""),
    "jan_weiss": ("Jan", "Weiß", "", date(2015, 8, 14), "NS8 5AB", "", ""),
    "dorde_duric": ("Đorđe", "Đurić", "", date(2011, 9, 9), "NS9 6CD", "", ""),
    # Twins whose first names are a letter apart.
    "aiden_price": ("Aiden", "Price", "", date(2017, 5, 5), "NS1 9EF", "", ""),
    "aidan_price": ("Aidan", "Price", "", date(2017, 5, 5), "NS1 9EF", "", ""),
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
    ("names-swapped-no-dob", "wei_chen", Strength.POSSIBLE, dict(g="Chen", f="Wei")),
    ("other-name-no-dob", "isabella_rossi", Strength.POSSIBLE, dict(g="Bella", f="Rossi")),
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
    ("mo-muhammad", "muhammad_khan", Strength.POSSIBLE, dict(g="Mo", f="Khan", d=date(2015, 3, 4))),
    (
        "ibby-ibrahim",
        "ibrahim_osman",
        Strength.POSSIBLE,
        dict(g="Ibby", f="Osman", d=date(2014, 2, 8)),
    ),
    (
        "abdi-abdullahi",
        "abdullahi_warsame",
        Strength.POSSIBLE,
        dict(g="Abdi", f="Warsame", d=date(2012, 7, 21)),
    ),
    (
        "livvy-olivia",
        "olivia_bennett",
        Strength.POSSIBLE,
        dict(g="Livvy", f="Bennett", d=date(2016, 11, 3)),
    ),
    (
        "izzy-isabella",
        "isabella_rossi",
        Strength.POSSIBLE,
        dict(g="Izzy", f="Rossi", d=date(2012, 2, 14)),
    ),
    ("zac-isaac", "isaac_cohen", Strength.POSSIBLE, dict(g="Zac", f="Cohen", d=date(2015, 6, 12))),
    (
        "kuba-jakub",
        "jakub_kowalski",
        Strength.POSSIBLE,
        dict(g="Kuba", f="Kowalski", d=date(2013, 3, 21)),
    ),
    (
        "kasia-katarzyna",
        "katarzyna_zielinska",
        Strength.POSSIBLE,
        dict(g="Kasia", f="Zielinska", d=date(2013, 9, 27)),
    ),
    (
        "seun-oluwaseun",
        "oluwaseun_adeyemi",
        Strength.POSSIBLE,
        dict(g="Seun", f="Adeyemi", d=date(2011, 4, 19)),
    ),
    (
        "tobi-oluwatobi",
        "oluwatobi_bakare",
        Strength.POSSIBLE,
        dict(g="Tobi", f="Bakare", d=date(2017, 1, 8)),
    ),
    (
        "emeka-chukwuemeka",
        "chukwuemeka_eze",
        Strength.POSSIBLE,
        dict(g="Emeka", f="Eze", d=date(2010, 10, 30)),
    ),
    (
        "alex-aleksander-with-surname-typo",
        "aleksander_wisniewski",
        Strength.POSSIBLE,
        dict(g="Alex", f="Wisniewsky", d=date(2012, 3, 16)),
    ),
    (
        "stroke-l-typed-plain",
        "lukasz_wojcik",
        Strength.STRONG,
        dict(g="Lukasz", f="Wojcik", d=date(2014, 5, 23)),
    ),
    (
        "dotless-i-typed-plain",
        "aysegul_yildiz",
        Strength.STRONG,
        dict(g="Aysegul", f="Yildiz", d=date(2016, 2, 11)),
    ),
    (
        "slashed-o-typed-plain",
        "soren_moller",
        Strength.STRONG,
        dict(g="Soren", f="Moller", d=date(2013, 12, 6)),
    ),
    (
        "sharp-s-typed-ss",
        "jan_weiss",
        Strength.STRONG,
        dict(g="Jan", f="Weiss", d=date(2015, 8, 14)),
    ),
    (
        "crossed-d-typed-plain",
        "dorde_duric",
        Strength.STRONG,
        dict(g="Dorde", f="Duric", d=date(2011, 9, 9)),
    ),
    (
        "names-swapped-with-middle-dob-swap",
        "jakub_kowalski",
        Strength.POSSIBLE,
        dict(g="Kowalski", f="Jakub", d=date(2013, 3, 21)),
    ),
    (
        "twin-near-name-exact",
        "aiden_price",
        Strength.STRONG,
        dict(g="Aiden", f="Price", d=date(2017, 5, 5)),
    ),
    (
        "twin-near-name-other-exact",
        "aidan_price",
        Strength.STRONG,
        dict(g="Aidan", f="Price", d=date(2017, 5, 5)),
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
    assert len(FOUND) + len(NOT_FOUND) >= 80


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


def test_without_a_date_of_birth_nothing_is_strong(register):
    tenant, children = register
    for given, family in [("Muhammad", "Khan"), ("Jack", "Taylor"), ("Aiden", "Price")]:
        matches = register_matches(tenant_id=tenant.pk, query=_query(dict(g=given, f=family)))
        assert matches, f"{given} {family} not found"
        assert all(m.strength == Strength.POSSIBLE for m in matches), f"{given} {family}"


def test_twin_a_letter_apart_is_not_strong_for_an_exact_search_of_the_other(register):
    tenant, children = register
    matches = register_matches(
        tenant_id=tenant.pk, query=_query(dict(g="Aiden", f="Price", d=date(2017, 5, 5)))
    )
    strong = [m.record.pk for m in matches if m.strength >= Strength.STRONG]
    assert strong == [children["aiden_price"].pk]


def test_swapped_names_score_as_well_as_the_names_as_typed(register):
    tenant, children = register
    as_typed = register_matches(
        tenant_id=tenant.pk, query=_query(dict(g="Wei", f="Chen", d=date(2012, 9, 18)))
    )
    swapped = register_matches(
        tenant_id=tenant.pk, query=_query(dict(g="Chen", f="Wei", d=date(2012, 9, 18)))
    )
    assert swapped[0].record.pk == as_typed[0].record.pk == children["wei_chen"].pk
    assert swapped[0].strength == Strength.STRONG
    assert "first and last names swapped" in swapped[0].reasons
    assert swapped[0].score >= as_typed[0].score - 5


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


def test_no_impossible_date_is_searched():
    variants = birth_date_variants(date(2015, 3, 4), latest=date(2026, 12, 1))
    assert date(2095, 3, 4) not in variants
    assert max(variants) <= date(2026, 12, 1)


def _bulk_register(tenant, names, born):
    """Many children at once, with their search keys, as the register holds them."""
    from cases.models import Child, ChildNameKey
    from cases.services import child_name_key_rows

    children = Child.objects.bulk_create(
        Child(tenant=tenant, given_name=given, family_name=family, date_of_birth=born)
        for given, family in names
    )
    ChildNameKey.objects.bulk_create(
        row for child in children for row in child_name_key_rows(child)
    )
    return children


def test_a_cut_list_keeps_the_most_alike_not_the_first_in_the_alphabet(world, monkeypatch):
    from cases import register as register_module

    monkeypatch.setattr(register_module, "CANDIDATE_LIMIT", 20)
    born = date(2016, 6, 6)
    tenant = world.a.tenant
    # 60 other Jacks born that day or on a date it may be mistyped as, all sorting before Young.
    _bulk_register(tenant, [("Jack", f"Abbott{chr(97 + i % 26)}") for i in range(30)], born)
    _bulk_register(
        tenant, [("Jack", f"Baker{chr(97 + i % 26)}") for i in range(30)], date(2016, 6, 8)
    )
    (young,) = _bulk_register(tenant, [("Jack", "Young")], born)

    matches = register_matches(tenant_id=tenant.pk, query=_query(dict(g="Jack", f="Young", d=born)))
    assert matches[0].record.pk == young.pk
    assert matches[0].strength == Strength.STRONG
    assert matches.broad


def test_a_narrow_search_is_not_called_broad(register):
    tenant, _ = register
    matches = register_matches(
        tenant_id=tenant.pk, query=_query(dict(g="Muhammad", f="Khan", d=date(2015, 3, 4)))
    )
    assert not matches.broad


def test_the_unborn_are_searched_only_when_the_search_could_be_one(world):
    from dateutil.relativedelta import relativedelta
    from django.utils import timezone

    assessor = world.a.users["assessor"]
    today = timezone.localdate()
    due = today + relativedelta(months=3)
    stale_due = today - relativedelta(years=3)
    baby = child_register(
        by=assessor, given_name="Baby", family_name="Quinn", expected_date_of_birth=due
    )
    stale = child_register(
        by=assessor, given_name="Baby", family_name="Quayle", expected_date_of_birth=due
    )
    # Registered while expected, never updated after the birth: the record has aged.
    Child.objects.filter(pk=stale.pk).update(expected_date_of_birth=stale_due)
    stale.refresh_from_db()
    child_name_keys_refresh(child=stale)
    tenant = world.a.tenant

    recent = register_matches(tenant_id=tenant.pk, query=_query(dict(g="Baby", f="Quinn", d=due)))
    long_ago = register_matches(
        tenant_id=tenant.pk, query=_query(dict(g="Baby", f="Quayle", d=stale_due))
    )

    assert [m.record.pk for m in recent] == [baby.pk]
    assert stale.pk not in [m.record.pk for m in long_ago]


def test_a_namesake_born_a_digit_away_is_only_possible_when_one_has_the_date(world):
    assessor = world.a.users["assessor"]
    searched = child_register(
        by=assessor, given_name="George", family_name="Jones", date_of_birth=date(2018, 6, 18)
    )
    namesake = child_register(
        by=assessor, given_name="George", family_name="Jones", date_of_birth=date(2018, 6, 19)
    )
    matches = register_matches(
        tenant_id=world.a.tenant.pk, query=_query(dict(g="George", f="Jones", d=date(2018, 6, 18)))
    )
    strength = {m.record.pk: m.strength for m in matches}
    assert strength == {searched.pk: Strength.STRONG, namesake.pk: Strength.POSSIBLE}


def test_two_mistakes_are_never_a_strong_match(world):
    assessor = world.a.users["assessor"]
    child_register(
        by=assessor, given_name="Sophie", family_name="White", date_of_birth=date(2016, 2, 20)
    )
    # A typo in the first name and a day out in the date.
    matches = register_matches(
        tenant_id=world.a.tenant.pk, query=_query(dict(g="Sophia", f="White", d=date(2016, 2, 21)))
    )
    assert matches and all(m.strength == Strength.POSSIBLE for m in matches)


def test_the_same_postcode_keeps_the_child_searched_for_first(world):
    assessor = world.a.users["assessor"]
    searched = child_register(
        by=assessor,
        given_name="Isla",
        family_name="Evans",
        date_of_birth=date(2016, 9, 1),
        postcode="NS1 4AB",
    )
    child_register(
        by=assessor,
        given_name="Isla",
        middle_names="Olivia",
        family_name="Evans",
        date_of_birth=date(2016, 1, 9),
        postcode="NS9 9ZZ",
    )
    # Day and month swapped, with the child's postcode.
    matches = register_matches(
        tenant_id=world.a.tenant.pk,
        query=_query(dict(g="Isla", f="Evans", d=date(2016, 1, 9), p="NS1 4AB")),
    )
    assert matches[0].record.pk == searched.pk
    assert matches[0].strength == Strength.STRONG
