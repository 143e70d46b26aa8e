"""The matching test set (R-CHECK-1).

A register of children from the communities a West Yorkshire early-help service works with
(twins, siblings, namesakes, hyphenated and changed surnames, names known by) is built through
``child_register``, then realistic searches go through ``register_matches``: the database's
candidate search first, then the ranking. Each search says which child must come first and how
strongly, or which child must not be offered at all.
"""

from dataclasses import dataclass, field
from datetime import date

import pytest
from django.db import transaction
from stdnum.gb import nhs, upn

from cases.matching import (
    ChildQuery,
    ChildRecord,
    Strength,
    birth_date_variants,
    rank,
    score,
)
from cases.register import register_matches
from cases.services import child_register
from tests.conftest import World, build_tenant

POSSIBLE, STRONG, CERTAIN = Strength.POSSIBLE, Strength.STRONG, Strength.CERTAIN


def nhs_number(stem: str) -> str:
    """Nine digits and the modulus 11 check digit (stems whose check would be 10 are invalid)."""
    total = sum(int(digit) * weight for digit, weight in zip(stem, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    assert check != 10, f"{stem} has no valid NHS number"
    return f"{stem}{check}"


def pupil_number(body: str) -> str:
    """A unique pupil number: the check letter, then LA code, school, year and serial."""
    return upn.calc_check_digit(body) + body


@dataclass(frozen=True)
class Kid:
    given: str
    family: str
    born: date
    postcode: str = ""
    middle: str = ""
    other: str = ""
    nhs: str = ""
    upn: str = ""
    unborn: bool = False


NHS_PRIYA = nhs_number("943476591")
NHS_MUHAMMAD = nhs_number("485777302")
NHS_NOBODY = nhs_number("401023213")  # valid, but no child on the register has it
UPN_AYAAN = pupil_number("380200012001")
UPN_WILLIAM = pupil_number("380200013002")

REGISTER = {
    # Pakistani, Bangladeshi, Indian and Sikh families
    "muhammad_khan": Kid("Muhammad", "Khan", date(2015, 3, 4), "BD8 7QT", nhs=NHS_MUHAMMAD),
    "maryam_khan": Kid("Maryam", "Khan", date(2015, 3, 4), "BD8 7QT"),  # twin
    "hassan_ahmed": Kid("Hassan", "Ahmed", date(2016, 9, 12), "BD3 9LE"),
    "hussain_ahmed": Kid("Hussain", "Ahmed", date(2016, 9, 12), "BD3 9LE"),  # twin
    "mohammed_ali_2011": Kid("Mohammed", "Ali", date(2011, 1, 23), "BD7 2AN"),
    "mohammed_ali_2018": Kid("Mohammed", "Ali", date(2018, 6, 6), "LS8 5QG"),  # namesake
    "priya_patel": Kid("Priya", "Patel", date(2013, 12, 25), "LS7 3HB", "Anjali", nhs=NHS_PRIYA),
    "harpreet_kaur": Kid("Harpreet", "Kaur", date(2012, 8, 19), "BD5 0NA", other="Sandhu"),
    "ayesha_begum": Kid("Ayesha", "Begum", date(2017, 5, 2), "BD3 8PX"),
    "arjun_sharma": Kid("Arjun", "Sharma", date(2010, 10, 30), "LS17 6AJ", "Dev"),
    "zainab_hussain": Kid("Zainab", "Hussain", date(2014, 11, 29), "BD9 4SL"),
    "imran_chaudhry": Kid("Imran", "Chaudhry", date(2009, 7, 14), "BD8 9RG"),
    # Polish families
    "zofia_wisniewska": Kid("Zofia", "Wiśniewska", date(2016, 2, 8), "LS9 6DN"),
    "jakub_kowalczyk": Kid("Jakub", "Kowalczyk", date(2013, 3, 21), "LS11 5TT", other="Kuba"),
    "aleksander_nowak": Kid("Aleksander", "Nowak", date(2014, 1, 9), "LS12 3QS"),
    "natalia_nowak": Kid("Natalia", "Nowak", date(2018, 7, 27), "LS12 3QS"),  # sister
    "lukasz_michalski": Kid("Łukasz", "Michalski", date(2011, 4, 5), "BD4 7HY"),
    "kacper_wojcik": Kid("Kacper", "Wójcik", date(2015, 12, 1), "LS13 2BB"),
    # Somali families: the "surname" is often the father's or grandfather's name
    "abdirahman_farah": Kid("Abdirahman", "Farah", date(2013, 5, 14), "LS6 1QL", "Mohamed"),
    "hodan_abdi": Kid("Hodan", "Abdi", date(2015, 2, 11), "LS6 2AF"),
    "ayaan_warsame": Kid("Ayaan", "Warsame", date(2016, 6, 18), "LS7 1NS", upn=UPN_AYAAN),
    "fadumo_hassan": Kid("Fadumo", "Hassan", date(2010, 9, 3), "BD7 1DP"),
    # Nigerian and Ghanaian families
    "chukwuemeka_okonkwo": Kid(
        "Chukwuemeka", "Okonkwo", date(2012, 4, 16), "LS8 2PU", other="Emeka"
    ),
    "oluwaseun_adeyemi": Kid("Oluwaseun", "Adeyemi", date(2014, 6, 21), "BD2 3JJ"),
    "oluwatobi_adeyemi": Kid("Oluwatobi", "Adeyemi", date(2014, 6, 21), "BD2 3JJ"),  # twin
    "adaeze_nwosu": Kid("Adaeze", "Nwosu", date(2017, 10, 5), "LS10 4AP"),
    "chidinma_eze": Kid("Chidinma", "Eze", date(2019, 3, 13), "LS10 1EB"),
    "kwame_mensah": Kid("Kwame", "Mensah", date(2011, 11, 9), "BD6 3TR"),
    "akosua_mensah": Kid("Akosua", "Mensah", date(2014, 8, 8), "BD6 3TR"),  # sister
    # Irish and Irish Traveller families
    "siobhan_osullivan": Kid("Siobhán", "O'Sullivan", date(2012, 7, 4), "LS4 2RD"),
    "niamh_byrne": Kid("Niamh", "Byrne", date(2016, 1, 27), "LS5 3HP"),
    "ciaran_murphy": Kid("Ciarán", "Murphy", date(2010, 5, 6), "LS6 4EH"),
    "sean_kelly": Kid("Sean", "Kelly", date(2013, 9, 15), "LS4 9QE"),
    "patrick_mcdonagh": Kid("Patrick", "McDonagh", date(2015, 4, 22), "BD10 8LA"),
    # Chinese and Vietnamese families (family name first at home)
    "wei_li": Kid("Wei", "Li", date(2012, 9, 18), "LS2 8JS"),
    "jiayi_chen": Kid("Jiayi", "Chen", date(2016, 3, 30), "LS2 9AQ", other="Jessica"),
    "yutong_zhang": Kid("Yutong", "Zhang", date(2018, 11, 2), "LS1 4DT"),
    "an_nguyen": Kid("An", "Nguyen", date(2015, 7, 8), "LS11 8QF", "Van"),
    # Romanian families
    "ioana_popescu": Kid("Ioana", "Popescu", date(2014, 2, 26), "BD3 0AD"),
    "andrei_ionescu": Kid("Andrei", "Ionescu", date(2009, 4, 3), "BD3 0QR"),
    "mihai_stoica": Kid("Mihai", "Stoica", date(2017, 8, 12), "BD1 4SJ"),
    # Turkish, Arab, Eritrean and Portuguese families
    "emre_yilmaz": Kid("Emre", "Yılmaz", date(2011, 6, 10), "LS7 4JA"),
    "yousef_al_sayed": Kid("Yousef", "Al-Sayed", date(2015, 10, 20), "LS8 4DL"),
    "senait_tesfay": Kid("Senait", "Tesfay", date(2012, 1, 31), "LS11 0DP"),
    "joao_silva": Kid("João", "Silva", date(2016, 5, 19), "LS9 7EP"),
    # Black Caribbean family
    "tyrone_campbell": Kid("Tyrone", "Campbell", date(2010, 12, 7), "BD5 9AS"),
    "jade_campbell": Kid("Jade", "Campbell", date(2013, 2, 14), "BD5 9AS"),  # sister
    # White British families
    "katherine_smyth": Kid("Katherine", "Smyth", date(2010, 6, 20), "BD18 3LX"),
    "elizabeth_harper_jones": Kid("Elizabeth", "Harper-Jones", date(2012, 11, 5), "BD17 5AB"),
    "alexander_reid": Kid("Alexander", "Reid", date(2011, 2, 3), "LS16 5NZ"),
    "jack_taylor_2013": Kid("Jack", "Taylor", date(2013, 7, 7), "BD15 7PJ"),
    "jack_taylor_2008": Kid("Jack", "Taylor", date(2008, 3, 11), "LS25 1AA"),  # namesake
    "olivia_wilson": Kid("Olivia", "Wilson", date(2014, 9, 9), "BD16 2JT", other="Olivia Brown"),
    "william_evans": Kid("William", "Evans", date(2009, 8, 8), "LS28 6JR", upn=UPN_WILLIAM),
    "daniel_green": Kid("Daniel", "Green", date(2017, 4, 25), "BD12 0PL"),
    "danielle_green": Kid("Danielle", "Green", date(2017, 4, 25), "BD12 0PL"),  # twin
    "ruby_smith": Kid("Ruby", "Smith", date(2019, 5, 5), "LS15 8HT"),
    "leo_smith": Kid("Leo", "Smith", date(2019, 5, 5), "LS15 8HT"),  # twin
    "thomas_wright": Kid("Thomas", "Wright", date(2011, 7, 30), "LS27 9BD"),
    # An unborn baby, registered under the mother's surname with the expected date
    "unborn_lewandowska": Kid("Unborn", "Lewandowska", date(2026, 3, 14), "LS12 1AE", unborn=True),
}


@dataclass(frozen=True)
class Search:
    """One search and what it must find.

    ``first``: the child ranked first, with at least ``strength``.
    ``absent``: children that must not be offered at all. ``nothing``: no result at all.
    """

    name: str
    kind: str
    query: ChildQuery
    first: str | None = None
    strength: Strength = POSSIBLE
    absent: tuple[str, ...] = ()
    nothing: bool = False
    tenant: str = "a"

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.name}"


def q(given="", family="", born=None, postcode="", nhs_="", upn_="") -> ChildQuery:
    return ChildQuery(given, family, born, postcode, nhs_, upn_)


def found(name, kind, first, strength, query, **more) -> Search:
    return Search(name, kind, query, first=first, strength=strength, **more)


def not_offered(name, kind, absent, query, first=None, strength=POSSIBLE) -> Search:
    absent = (absent,) if isinstance(absent, str) else absent
    return Search(name, kind, query, first=first, strength=strength, absent=absent)


def nothing(name, kind, query, **more) -> Search:
    return Search(name, kind, query, nothing=True, **more)


SPELLING = "spelling"
SWAPPED = "swapped-names"
NICKNAME = "nickname"
SURNAME = "surname-changed"
BIRTH = "birth-date-error"
MISSING = "missing-fields"
IDENTIFIER = "identifier"
TWIN = "near-miss-twin"
NAMESAKE = "near-miss-namesake"
SIBLING = "near-miss-other-child"

SEARCHES = [
    # Spelling variants and typos, with the right date of birth.
    found("mohammed", SPELLING, "muhammad_khan", STRONG, q("Mohammed", "Khan", date(2015, 3, 4))),
    found("mohamed-kahn", SPELLING, "muhammad_khan", STRONG, q("Mohamed", "Kahn", date(2015, 3, 4))),
    found("catherine", SPELLING, "katherine_smyth", STRONG, q("Catherine", "Smyth", date(2010, 6, 20))),
    found("smith", SPELLING, "katherine_smyth", STRONG, q("Katherine", "Smith", date(2010, 6, 20))),
    found("catherine-smith", SPELLING, "katherine_smyth", STRONG, q("Catherine", "Smith", date(2010, 6, 20))),
    found("aisha", SPELLING, "ayesha_begum", STRONG, q("Aisha", "Begum", date(2017, 5, 2))),
    found("begam", SPELLING, "ayesha_begum", STRONG, q("Ayesha", "Begam", date(2017, 5, 2))),
    found("choudhury", SPELLING, "imran_chaudhry", STRONG, q("Imran", "Choudhury", date(2009, 7, 14))),
    found("sofia", SPELLING, "zofia_wisniewska", STRONG, q("Sofia", "Wisniewska", date(2016, 2, 8))),
    found("wisniewski", SPELLING, "zofia_wisniewska", STRONG, q("Zofia", "Wisniewski", date(2016, 2, 8))),
    found("lukasz-no-l-stroke", SPELLING, "lukasz_michalski", STRONG, q("Lukasz", "Michalski", date(2011, 4, 5))),
    found("yilmaz-dotted-i", SPELLING, "emre_yilmaz", STRONG, q("Emre", "Yilmaz", date(2011, 6, 10))),
    found("wojcik-typo", SPELLING, "kacper_wojcik", STRONG, q("Kacper", "Wojcick", date(2015, 12, 1))),
    found("abdurahman", SPELLING, "abdirahman_farah", STRONG, q("Abdurahman", "Farah", date(2013, 5, 14))),
    found("faduma-hasan", SPELLING, "fadumo_hassan", STRONG, q("Faduma", "Hasan", date(2010, 9, 3))),
    found("chidimma", SPELLING, "chidinma_eze", STRONG, q("Chidimma", "Eze", date(2019, 3, 13))),
    found("adaze-typo", SPELLING, "adaeze_nwosu", STRONG, q("Adaze", "Nwosu", date(2017, 10, 5))),
    found("kieran", SPELLING, "ciaran_murphy", STRONG, q("Kieran", "Murphy", date(2010, 5, 6))),
    found("shaun", SPELLING, "sean_kelly", STRONG, q("Shaun", "Kelly", date(2013, 9, 15))),
    found("osullivan-plain", SPELLING, "siobhan_osullivan", STRONG, q("Siobhan", "OSullivan", date(2012, 7, 4))),
    found("macdonagh", SPELLING, "patrick_mcdonagh", STRONG, q("Patrick", "MacDonagh", date(2015, 4, 22))),
    found("ioanna", SPELLING, "ioana_popescu", STRONG, q("Ioanna", "Popescu", date(2014, 2, 26))),
    found("andrey", SPELLING, "andrei_ionescu", STRONG, q("Andrey", "Ionescu", date(2009, 4, 3))),
    found("yusuf-alsayed", SPELLING, "yousef_al_sayed", STRONG, q("Yusuf", "Alsayed", date(2015, 10, 20))),
    found("el-sayed", SPELLING, "yousef_al_sayed", STRONG, q("Yousef", "El-Sayed", date(2015, 10, 20))),
    found("chang", SPELLING, "yutong_zhang", STRONG, q("Yutong", "Chang", date(2018, 11, 2))),
    found("tesfaye", SPELLING, "senait_tesfay", STRONG, q("Senait", "Tesfaye", date(2012, 1, 31))),
    found("joao-da-silva", SPELLING, "joao_silva", STRONG, q("Joao", "da Silva", date(2016, 5, 19))),
    found("campbel", SPELLING, "tyrone_campbell", STRONG, q("Tyrone", "Campbel", date(2010, 12, 7))),
    # First and last names the other way round.
    found("khan-muhammad", SWAPPED, "muhammad_khan", STRONG, q("Khan", "Muhammad", date(2015, 3, 4))),
    found("li-wei", SWAPPED, "wei_li", STRONG, q("Li", "Wei", date(2012, 9, 18))),
    found("nguyen-an", SWAPPED, "an_nguyen", STRONG, q("Nguyen", "An", date(2015, 7, 8))),
    found("okonkwo-chukwuemeka", SWAPPED, "chukwuemeka_okonkwo", STRONG, q("Okonkwo", "Chukwuemeka", date(2012, 4, 16))),
    found("popescu-ioana-no-dob", SWAPPED, "ioana_popescu", POSSIBLE, q("Popescu", "Ioana")),
    # Nicknames, short forms and names known by.
    found("alex-alexander", NICKNAME, "alexander_reid", STRONG, q("Alex", "Reid", date(2011, 2, 3))),
    found("sandy-alexander", NICKNAME, "alexander_reid", POSSIBLE, q("Sandy", "Reid", date(2011, 2, 3))),
    found("alex-aleksander", NICKNAME, "aleksander_nowak", POSSIBLE, q("Alex", "Nowak", date(2014, 1, 9))),
    found("liz", NICKNAME, "elizabeth_harper_jones", STRONG, q("Liz", "Harper-Jones", date(2012, 11, 5))),
    found("beth", NICKNAME, "elizabeth_harper_jones", STRONG, q("Beth", "Harper-Jones", date(2012, 11, 5))),
    found("kate", NICKNAME, "katherine_smyth", STRONG, q("Kate", "Smyth", date(2010, 6, 20))),
    found("katie-smith", NICKNAME, "katherine_smyth", POSSIBLE, q("Katie", "Smith", date(2010, 6, 20))),
    found("billy", NICKNAME, "william_evans", STRONG, q("Billy", "Evans", date(2009, 8, 8))),
    found("tom", NICKNAME, "thomas_wright", STRONG, q("Tom", "Wright", date(2011, 7, 30))),
    found("paddy", NICKNAME, "patrick_mcdonagh", STRONG, q("Paddy", "McDonagh", date(2015, 4, 22))),
    found("emeka-known-as", NICKNAME, "chukwuemeka_okonkwo", STRONG, q("Emeka", "Okonkwo", date(2012, 4, 16))),
    found("kuba-known-as", NICKNAME, "jakub_kowalczyk", STRONG, q("Kuba", "Kowalczyk", date(2013, 3, 21))),
    found("jacob-jakub", NICKNAME, "jakub_kowalczyk", STRONG, q("Jacob", "Kowalczyk", date(2013, 3, 21))),
    found("jessica-english-name", NICKNAME, "jiayi_chen", STRONG, q("Jessica", "Chen", date(2016, 3, 30))),
    # Hyphenated, double and changed surnames.
    found("harper-only", SURNAME, "elizabeth_harper_jones", STRONG, q("Elizabeth", "Harper", date(2012, 11, 5))),
    found("jones-only", SURNAME, "elizabeth_harper_jones", STRONG, q("Elizabeth", "Jones", date(2012, 11, 5))),
    found("hyphen-as-space", SURNAME, "elizabeth_harper_jones", STRONG, q("Elizabeth", "Harper Jones", date(2012, 11, 5))),
    found("parts-reversed", SURNAME, "elizabeth_harper_jones", STRONG, q("Elizabeth", "Jones-Harper", date(2012, 11, 5))),
    found("previous-surname", SURNAME, "olivia_wilson", STRONG, q("Olivia", "Brown", date(2014, 9, 9))),
    found("new-surname-not-recorded", SURNAME, "olivia_wilson", POSSIBLE, q("Olivia", "Smith", date(2014, 9, 9), "BD16 2JT")),
    found("sikh-family-name", SURNAME, "harpreet_kaur", STRONG, q("Harpreet", "Sandhu", date(2012, 8, 19))),
    found("somali-fathers-name", SURNAME, "abdirahman_farah", POSSIBLE, q("Abdirahman", "Mohamed", date(2013, 5, 14))),
    # Dates of birth recorded wrongly.
    found("day-month-swapped", BIRTH, "muhammad_khan", STRONG, q("Muhammad", "Khan", date(2015, 4, 3))),
    found("swapped-hodan", BIRTH, "hodan_abdi", STRONG, q("Hodan", "Abdi", date(2015, 11, 2))),
    found("swapped-and-kieran", BIRTH, "ciaran_murphy", POSSIBLE, q("Kieran", "Murphy", date(2010, 6, 5))),
    found("one-digit", BIRTH, "andrei_ionescu", POSSIBLE, q("Andrei", "Ionescu", date(2009, 4, 8))),
    found("year-digit", BIRTH, "jade_campbell", POSSIBLE, q("Jade", "Campbell", date(2018, 2, 14))),
    found("year-out", BIRTH, "akosua_mensah", POSSIBLE, q("Akosua", "Mensah", date(2015, 8, 8))),
    found("swapped-and-nickname", BIRTH, "alexander_reid", POSSIBLE, q("Alex", "Reid", date(2011, 3, 2))),
    found("expected-date-unborn", BIRTH, "unborn_lewandowska", STRONG, q("Unborn", "Lewandowska", date(2026, 3, 14))),
    # Fields left out or out of date.
    found("no-postcode", MISSING, "niamh_byrne", STRONG, q("Niamh", "Byrne", date(2016, 1, 27))),
    found("with-postcode", MISSING, "niamh_byrne", STRONG, q("Niamh", "Byrne", date(2016, 1, 27), "ls53hp")),
    found("moved-house", MISSING, "niamh_byrne", STRONG, q("Niamh", "Byrne", date(2016, 1, 27), "M14 7HE")),
    found("no-dob", MISSING, "siobhan_osullivan", POSSIBLE, q("Siobhan", "O'Sullivan")),
    found("no-dob-typo", MISSING, "chukwuemeka_okonkwo", POSSIBLE, q("Chukwuemeka", "Okonkow")),
    found("no-dob-aisha", MISSING, "ayesha_begum", POSSIBLE, q("Aisha", "Begum")),
    found("no-dob-l-stroke", MISSING, "lukasz_michalski", POSSIBLE, q("Lukasz", "Michalski")),
    found("no-dob-postcode-ranks", MISSING, "mohammed_ali_2018", POSSIBLE, q("Muhammad", "Ali", postcode="LS8 5QG")),
    # Exact identifiers are certain, whatever else the search says.
    found("nhs-only", IDENTIFIER, "priya_patel", CERTAIN, q(nhs_=NHS_PRIYA)),
    found("nhs-wrong-name", IDENTIFIER, "priya_patel", CERTAIN, q("Pria", "Patell", nhs_=NHS_PRIYA)),
    found("nhs-wrong-dob", IDENTIFIER, "muhammad_khan", CERTAIN, q("Muhammad", "Khan", date(2014, 9, 9), nhs_=NHS_MUHAMMAD)),
    found("nhs-before-twin", IDENTIFIER, "muhammad_khan", CERTAIN, q("Maryam", "Khan", date(2015, 3, 4), nhs_=NHS_MUHAMMAD)),
    found("upn-only", IDENTIFIER, "ayaan_warsame", CERTAIN, q(upn_=UPN_AYAAN)),
    found("upn-and-names", IDENTIFIER, "william_evans", CERTAIN, q("Bill", "Evans", date(2009, 8, 8), upn_=UPN_WILLIAM)),
    nothing("nhs-of-nobody", IDENTIFIER, q(nhs_=NHS_NOBODY)),
    # Twins: same surname, date of birth and address, different first names.
    not_offered("maryam-not-muhammad", TWIN, "muhammad_khan", q("Maryam", "Khan", date(2015, 3, 4)), "maryam_khan", STRONG),
    not_offered("muhammad-not-maryam", TWIN, "maryam_khan", q("Muhammad", "Khan", date(2015, 3, 4)), "muhammad_khan", STRONG),
    not_offered("hassan-not-hussain", TWIN, "hussain_ahmed", q("Hassan", "Ahmed", date(2016, 9, 12)), "hassan_ahmed", STRONG),
    not_offered("hussain-not-hassan", TWIN, "hassan_ahmed", q("Hussain", "Ahmed", date(2016, 9, 12)), "hussain_ahmed", STRONG),
    not_offered("oluwaseun-not-oluwatobi", TWIN, "oluwatobi_adeyemi", q("Oluwaseun", "Adeyemi", date(2014, 6, 21)), "oluwaseun_adeyemi", STRONG),
    not_offered("oluwatobi-not-oluwaseun", TWIN, "oluwaseun_adeyemi", q("Oluwatobi", "Adeyemi", date(2014, 6, 21)), "oluwatobi_adeyemi", STRONG),
    not_offered("daniel-not-danielle", TWIN, "danielle_green", q("Daniel", "Green", date(2017, 4, 25)), "daniel_green", STRONG),
    not_offered("danielle-not-daniel", TWIN, "daniel_green", q("Danielle", "Green", date(2017, 4, 25)), "danielle_green", STRONG),
    not_offered("ruby-not-leo", TWIN, "leo_smith", q("Ruby", "Smith", date(2019, 5, 5), "LS15 8HT"), "ruby_smith", STRONG),
    not_offered("leo-not-ruby", TWIN, "ruby_smith", q("Leo", "Smith", date(2019, 5, 5)), "leo_smith", STRONG),
    # Namesakes: the same name with a date of birth far apart.
    not_offered("jack-2013-not-2008", NAMESAKE, "jack_taylor_2008", q("Jack", "Taylor", date(2013, 7, 7)), "jack_taylor_2013", STRONG),
    not_offered("jack-2008-not-2013", NAMESAKE, "jack_taylor_2013", q("Jack", "Taylor", date(2008, 3, 11)), "jack_taylor_2008", STRONG),
    not_offered("ali-2018-not-2011", NAMESAKE, "mohammed_ali_2011", q("Muhammad", "Ali", date(2018, 6, 6)), "mohammed_ali_2018", STRONG),
    not_offered("ali-2011-not-2018", NAMESAKE, "mohammed_ali_2018", q("Mohammed", "Ali", date(2011, 1, 23)), "mohammed_ali_2011", STRONG),
    nothing("khan-born-2009", NAMESAKE, q("Muhammad", "Khan", date(2009, 9, 9))),
    nothing("smyth-born-2016", NAMESAKE, q("Katherine", "Smyth", date(2016, 1, 14))),
    # Other children: siblings, and strangers who share a birthday or a surname.
    not_offered("natalia-not-aleksander", SIBLING, "aleksander_nowak", q("Natalia", "Nowak", date(2018, 7, 27)), "natalia_nowak", STRONG),
    not_offered("jade-not-tyrone", SIBLING, "tyrone_campbell", q("Jade", "Campbell", date(2013, 2, 14)), "jade_campbell", STRONG),
    not_offered("kwame-not-akosua", SIBLING, "akosua_mensah", q("Kwame", "Mensah", date(2011, 11, 9)), "kwame_mensah", STRONG),
    nothing("stranger-same-dob", SIBLING, q("George", "Harris", date(2012, 11, 5))),
    nothing("stranger-same-dob-2", SIBLING, q("Zainab", "Patel", date(2017, 5, 2))),
    nothing("other-tenant", SIBLING, q("Muhammad", "Khan", date(2015, 3, 4)), tenant="b"),
]  # fmt: skip


@dataclass
class Register:
    world: World
    children: dict[str, int] = field(default_factory=dict)

    def key_of(self, pk: int) -> str:
        return {v: k for k, v in self.children.items()}.get(pk, f"child {pk}")


@pytest.fixture(scope="module")
def register(django_db_setup, django_db_blocker):
    """The conftest world (two tenants) and the register above, built once for the module
    through the services; rolled back at the end, while each test runs in a savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = World(a=build_tenant("north"), b=build_tenant("west"))
        assessor = world.a.users["assessor"]
        result = Register(world)
        for key, kid in REGISTER.items():
            born = {"expected_date_of_birth" if kid.unborn else "date_of_birth": kid.born}
            child = child_register(
                by=assessor,
                given_name=kid.given,
                middle_names=kid.middle,
                family_name=kid.family,
                other_names=kid.other,
                postcode=kid.postcode,
                nhs_number=kid.nhs,
                upn=kid.upn,
                **born,
            )
            result.children[key] = child.pk
        yield result
        transaction.set_rollback(True)


@pytest.mark.parametrize("search", SEARCHES, ids=lambda s: s.id)
def test_search(register, search, db):
    tenant = getattr(register.world, search.tenant).tenant
    matches = register_matches(tenant_id=tenant.pk, query=search.query)
    offered = [(register.key_of(m.record.pk), m.strength.name, m.score) for m in matches]
    keys = [key for key, _, _ in offered]
    if search.nothing:
        assert offered == []
    if search.first:
        assert keys[:1] == [search.first], f"offered {offered}"
        assert matches[0].strength >= search.strength, f"offered {offered}"
        if search.strength == CERTAIN:
            assert matches[0].score == 100
    for key in search.absent:
        assert key not in keys, f"offered {offered}"


def test_the_set_is_large_and_covers_every_kind():
    kinds = {s.kind for s in SEARCHES}
    assert len(SEARCHES) >= 60
    assert kinds == {SPELLING, SWAPPED, NICKNAME, SURNAME, BIRTH, MISSING, IDENTIFIER}.union(
        {TWIN, NAMESAKE, SIBLING}
    )
    assert len({s.id for s in SEARCHES}) == len(SEARCHES)
    for search in SEARCHES:
        for key in (search.first, *search.absent):
            assert key is None or key in REGISTER, search.id


def test_identifiers_on_the_register_are_valid():
    assert all(nhs.is_valid(kid.nhs) for kid in REGISTER.values() if kid.nhs)
    assert all(upn.is_valid(kid.upn) for kid in REGISTER.values() if kid.upn)
    assert nhs.is_valid(NHS_NOBODY)


# Pure scoring, no database.

BORN = date(2015, 3, 4)


def record(pk, given, family, born=BORN, **more) -> ChildRecord:
    return ChildRecord(pk=pk, given_name=given, family_name=family, date_of_birth=born, **more)


def test_score_exact_identifier_is_certain_even_with_other_names():
    match = score(q("Amelia", "Jones", nhs_=NHS_PRIYA), record(1, "Priya", "Patel", nhs=NHS_PRIYA))
    assert (match.strength, match.score, match.reasons) == (CERTAIN, 100, ["same NHS number"])


def test_score_identifier_mismatch_does_not_count_against_names():
    match = score(
        q("Priya", "Patel", BORN, nhs_=NHS_NOBODY), record(1, "Priya", "Patel", nhs=NHS_PRIYA)
    )
    assert match.strength == STRONG


def test_score_another_first_name_is_another_child():
    assert score(q("Maryam", "Khan", BORN), record(1, "Muhammad", "Khan")) is None


def test_score_a_date_of_birth_far_apart_is_another_child():
    assert score(q("Muhammad", "Khan", date(2009, 9, 9)), record(1, "Muhammad", "Khan")) is None


def test_score_says_why():
    match = score(q("Khan", "Muhammad", date(2015, 4, 3)), record(1, "Muhammad", "Khan"))
    assert match.reasons[:2] == [
        "date of birth with day and month swapped",
        "first and last names swapped",
    ]
    assert match.score < 100


def test_score_a_recording_error_costs_points():
    exact = score(q("Muhammad", "Khan", BORN), record(1, "Muhammad", "Khan"))
    typo = score(q("Muhamad", "Khan", BORN), record(1, "Muhammad", "Khan"))
    swapped = score(q("Muhammad", "Khan", date(2015, 4, 3)), record(1, "Muhammad", "Khan"))
    assert exact.score == 100
    assert exact.score > typo.score >= 85
    assert exact.score > swapped.score >= 85


def test_birth_date_variants_cover_the_usual_mistakes():
    variants = birth_date_variants(date(2015, 3, 4))
    assert {
        date(2015, 3, 4),
        date(2015, 4, 3),  # day and month swapped
        date(2014, 3, 4),  # a year out
        date(2016, 3, 4),
        date(2015, 3, 14),  # one digit wrong
        date(2018, 3, 4),
        date(2015, 8, 4),
    } <= variants
    assert date(1915, 3, 4) not in variants  # the century is never mistyped
    assert date(2009, 9, 9) not in variants
    assert date(2015, 3, 5) in variants and date(2015, 3, 15) not in variants


def test_birth_date_variants_are_only_the_usual_mistakes():
    born = date(2016, 2, 29)
    for variant in birth_date_variants(born):
        digits = sum(a != b for a, b in zip(f"{variant:%Y%m%d}", f"{born:%Y%m%d}", strict=True))
        swapped = (variant.day, variant.month, variant.year) == (born.month, born.day, born.year)
        year_out = (variant.month, variant.day) == (born.month, born.day)
        assert digits <= 1 or swapped or (year_out and abs(variant.year - born.year) == 1)
    # No 29 February in 2015 or 2017, and 29 has no month to swap into.
    assert birth_date_variants(born) >= {born, date(2016, 2, 28), date(2016, 12, 29)}


def test_rank_puts_the_better_match_first():
    records = [
        record(1, "Mohammad", "Khan", date(2015, 4, 3)),  # spelling and swapped date
        record(2, "Muhammad", "Khan"),  # exact
        record(3, "Muhammad", "Kahn"),  # surname typo
    ]
    ranked = rank(q("Muhammad", "Khan", BORN), records)
    assert [m.record.pk for m in ranked] == [2, 3, 1]
    assert [m.score for m in ranked] == sorted((m.score for m in ranked), reverse=True)


def test_rank_puts_certain_before_strong_and_limits():
    records = [record(pk, "Muhammad", "Khan") for pk in range(1, 15)]
    records.append(record(99, "Priya", "Patel", date(2013, 12, 25), nhs=NHS_PRIYA))
    ranked = rank(q("Muhammad", "Khan", BORN, nhs_=NHS_PRIYA), records, limit=10)
    assert ranked[0].record.pk == 99 and ranked[0].strength == CERTAIN
    assert len(ranked) == 10
    assert [m.record.pk for m in ranked[1:]] == list(range(1, 10))  # stable tie-break


def test_rank_drops_records_that_are_other_children():
    records = [record(1, "Muhammad", "Khan"), record(2, "Maryam", "Khan")]
    assert [m.record.pk for m in rank(q("Maryam", "Khan", BORN), records)] == [2]
