"""Facet validation rules: input -> expected, one small case per rule (etl.validate and the
facet modules etl.person_checks, etl.org_checks, etl.place_checks)."""

from __future__ import annotations

import pytest

from etl.canonical import canonicalize
from etl.gazetteer import AliasTable
from etl.mentions import Mention
from etl.org_checks import check_organization
from etl.person_checks import glued_lead, person_kind, strip_person
from etl.place_checks import check_place
from etl.validate import (
    NO_DOC,
    doc_words,
    is_event,
    load_rules,
    name_data,
    parse_rules,
    people_parts,
    qualified,
)

RULES = load_rules()
NAMES = name_data()


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("Tom Tancredo Image", "", "Tom Tancredo"),  # caption word (config)
        ("Narendra Modi Announced", "", "Narendra Modi"),  # reporting verb (config)
        ("Jane Roe Commented", "she commented on it", "Jane Roe"),  # lowercase in the text
        ("Jane Roe Commented", "", "Jane Roe Commented"),  # no evidence: kept
        ("James Webb Telescope", "the telescope", "James Webb Telescope"),  # a thing, not cut
        ("Qaboos bin Said", "", "Qaboos bin Said"),  # after a particle: a name
        ("Mario Ritter Jr.", "", "Mario Ritter Jr."),
        ("Kim Jong Un", "the un-named", "Kim Jong Un"),  # a Census name, and short
        ("Tom Image", "", "Tom Image"),  # two words are kept
        ("Astronomer Anthony Boccaletti", "", "Anthony Boccaletti"),  # nameparser title
        ("Whistleblower Edward Snowden", "", "Edward Snowden"),  # role word (config)
        ("Immunologist Kristian Andersen", "", "Kristian Andersen"),  # -ologist
        ("Lead Paul Sun Hyung Lee", "the lead actor", "Paul Sun Hyung Lee"),
        ("Female Grand Master", "female players", "Female Grand Master"),  # no first name next
        ("Will Smith Image", "you will see", "Will Smith"),  # Will is a first name
        ("Pak Jong Chon", "", "Pak Jong Chon"),
        ("Jo JorgensenImage", "", "Jo Jorgensen"),  # caption word glued
        ("Amy Berman", "Judge Amy Berman Jackson said", "Amy Berman Jackson"),  # cut surname
        ("Superintendent Graciano", "Superintendent Graciano Mijares.", "Graciano Mijares"),
        ("Bill Clinton", "the Bill Clinton White House", "Bill Clinton"),  # a longer name
        ("Joe Biden", "Joe Biden said. Joe Biden Jr. came", "Joe Biden"),  # not always
        ("Tom Tancredo", "Tom Tancredo Image", "Tom Tancredo"),  # caption word
        ("Ann Lee", "Ann Lee Smith and the smith", "Ann Lee"),  # a lowercase word
        ("Phil CollinsImage", "", "Phil Collins"),
        ("Jo McDonald", "", "Jo McDonald"),  # a capital inside a name
        ("Sayyid Ali Hosseini Khamenei", "", "Ali Hosseini Khamenei"),  # honorific (config)
        ("King Maha Vajiralongkorn", "the king said", "Maha Vajiralongkorn"),  # title as a noun
        ("King Maha Vajiralongkorn", "", "King Maha Vajiralongkorn"),  # King: a first name
        ("Earl Alan Dodge", "", "Earl Alan Dodge"),
        ("Lady Melania Trump", "First Lady Melania Trump", "Melania Trump"),  # a longer title
        ("Lady Ann Smith", "Lady Ann Smith. Ann Smith said", "Ann Smith"),  # written without
        (
            "Crown Prince Mohammad bin Salman",
            "Crown Prince Mohammad bin Salman",
            "Mohammad bin Salman",
        ),
    ],
)
def test_strip_person(name: str, text: str, expected: str) -> None:
    assert strip_person(name, doc_words(text), RULES, NAMES) == expected


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("Sergei Shoigu", "", "person"),  # unknown to the Census: kept
        ("Narendra Modi", "", "person"),
        ("Kim Jong Un", "", "person"),
        ("Ikehata Shuhei", "", "person"),
        ("Mario Ritter Jr.", "", "person"),
        ("James Webb Telescope", "", "other"),  # thing head (config)
        ("John Radcliffe Hospital", "", "organization"),
        ("Karl Marx Avenue", "", "location"),
        ("John R. Lewis Voting Rights Act", "", "other"),  # law head
        ("Atmospheric Science", "", "other"),
        ("Arc Studio", "a recording studio", "other"),  # a noun after a determiner
        ("Neo Nazi", "a neo-Nazi group", "other"),  # no name word, a common word
        ("Doris Day", "the day", "person"),  # a Census surname
        ("Goody Two Shoes", "", "person"),  # the data cannot tell (a song)
        ("Female Grand Master", "female players", "other"),  # a name starts with a name
        ("Said bin Taimur", "he said", "person"),  # a particle follows
        ("Causeway Bay", "", "location"),  # place head, no first name (config)
        ("Java Sea", "", "location"),
        ("Michael Bay", "", "person"),  # a first name before the head
        ("County Kerry", "", "location"),  # first word (config)
        ("Gazeta Prawna", "", "organization"),
        ("U.S.S. Grayback", "", "other"),  # a ship prefix
        ("Crow Tribe", "", "organization"),  # thing head (config)
        ("Vedelmi Ipari Kft", "", "organization"),  # legal form
        ("Space Shuttle", "retired the Space Shuttles", "other"),  # written in the plural
        ("Tsuen Wan", "in the Tsuen Wan district", "location"),  # after "in"
        ("La Llagosta", "a fire in La Llagosta", "location"),
        ("Joe Biden", "trust in Joe Biden's plan", "person"),  # a possessive after "in"
        ("Tasha Yar", "the character Tasha Yar's station", "other"),  # fictional
        ("Tribal Evolution", "dancing troupe Tribal Evolution performed", "organization"),
        ("Cotton Candy", "Cotton Candy, a dragon. Image: X", "other"),  # a non-human thing
        ("Jo Roe", "Jo Roe, a film director, said", "person"),
        ("Sidley Austin", "hiring law firm Sidley Austin, said", "organization"),
        ("Elon Musk", "the company Elon Musk's brother runs", "person"),  # a possessive
        ("Anya Jenkins", "loosing the character of Anya Jenkins", "other"),
        ("Anya Jenkins", "the actor Anya Jenkins", "person"),
    ],
)
def test_person_kind(name: str, text: str, expected: str) -> None:
    assert person_kind(name, doc_words(text), RULES, NAMES) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Hagia Sophia", "other"),  # the start of a building's name, no first name
        ("Tupua Tamasese Meaole", "other"),  # the hospital
        ("James Webb", "person"),  # a first name: the person the telescope is named after
        ("Sergei Shoigu", "person"),
    ],
)
def test_person_kind_beside_things(name: str, expected: str) -> None:
    things = ["Hagia Sophia Museum", "Tupua Tamasese Meaole Hospital", "James Webb Telescope"]
    assert person_kind(name, NO_DOC, RULES, NAMES, things=things) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Trump Biden", None),  # two surnames of two people of the document
        ("Donald Trump", "person"),
        ("Biden Biden", "person"),  # one person's
        ("Jill Biden", "person"),
    ],
)
def test_person_kind_beside_people(name: str, expected: str | None) -> None:
    people = people_parts(["Donald Trump", "Joe Biden", "Biden Biden"])
    assert person_kind(name, NO_DOC, RULES, NAMES, people=people) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Koszalin Piotr Jedlinski", "Piotr Jedlinski"),  # a place of the document leads
        ("Twitter West", ""),  # one word left: no name
        ("Jordan Peterson", None),  # a Census name
        ("Hamza bin Laden", None),  # a particle follows
        ("Piotr Jedlinski", None),
    ],
)
def test_glued_lead(name: str, expected: str | None) -> None:
    single = {"koszalin", "twitter", "jordan", "hamza"}
    assert glued_lead(name, single, NAMES) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Sergei Shoigu", None),  # no Census name: dropped only when asked
        ("Kim Jong Un", "person"),
        ("Narendra Modi", "person"),  # Modi is a Census surname
    ],
)
def test_person_kind_require_known(name: str, expected: str | None) -> None:
    assert person_kind(name, NO_DOC, RULES, NAMES, require_known=True) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Hurricane Maria", True),
        ("Tropical Storm Barry", True),
        ("Bastille Day", True),
        ("International Women's Day", True),
        ("Martin Luther King Jr. Day", True),
        ("Doris Day", False),  # a person named Day
        ("National Hurricane Center", False),
        ("Day", False),
        ("Maria", False),
    ],
)
def test_is_event(name: str, expected: bool) -> None:
    assert is_event(name, RULES, NAMES) is expected


PEOPLE = ["Donald Trump", "Elijah Cummings", "Bob Behnken", "Joe Biden"]
ORGS = {
    "Supreme Court": 3,
    "Court of Session": 1,
    "US Supreme Court": 1,
    "White House": 5,
    "House Oversight Committee": 1,
    "Tesco - Bad Committee": 1,
    "Charlotte Hornets": 2,
}


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("Court", "", ("Supreme Court", "organization")),  # the qualified form, most mentioned
        ("House", "", None),  # not the White House: an ambiguous head is never resolved
        ("Police", "", None),  # generic, no qualifier in the document
        ("State", "", None),
        ("Hydrogen", "hydrogen-rich air", None),  # a common word of the document
        ("GitHub", "see github.com", ("GitHub", "organization")),  # only in a URL, mixed case
        ("Reuters", "", ("Reuters", "organization")),
        ("NASA", "", ("NASA", "organization")),  # acronym
        ("Islam", "", ("Islam", "other")),  # religion
        ("Francophone", "", ("Francophone", "other")),  # -phone
        ("Communism", "", ("Communism", "other")),  # -ism
        ("Arabic", "", ("Arabic", "other")),  # ISO 639 language
        ("Trump", "", ("Donald Trump", "person")),  # a person's surname in the document
        ("Wildlife Protection Act", "", ("Wildlife Protection Act", "other")),
        ("US Route", "", ("US Route", "location")),
        ("Maya Rockeymoore Cummings", "", ("Maya Rockeymoore Cummings", "person")),
        ("Morgan Stanley", "", ("Morgan Stanley", "organization")),  # no such person here
        ("Pepcid", "", ("Pepcid", "organization")),  # a product: the data cannot tell
        ("Very", "", None),  # a stop word
        ("Le", "", None),  # a particle
        ("TOGETHER", "we stand together", None),  # a common word in capitals
        ("Senate", "a trial in the Senate", ("Senate", "organization")),  # a legislature
        ("Senate", "the senate voted", None),  # written in lowercase: generic
        ("PPE", "wear personal protective equipment (PPE)", ("PPE", "other")),
        ("MVP", "NBA Finals MVP (Most Valuable Player)", ("MVP", "other")),  # a title
        ("EV", "in electric vehicle (EV) sales", ("EV", "other")),
        ("WHO", "World Health Organization (WHO)", ("WHO", "organization")),  # an org head
        ("ISIS", "Islamic State of Iraq and Syria (ISIS)", ("ISIS", "organization")),
        (
            "2020 Democratic National Convention",
            "",
            ("2020 Democratic National Convention", "other"),
        ),
        ("International Master", "", ("International Master", "other")),  # a title
        ("Bachelor of Education", "", ("Bachelor of Education", "other")),  # a degree
        ("Sheriff of Milwaukee County", "", ("Sheriff of Milwaukee County", "other")),
        (
            "North Carolina State Board of Elections",
            "",
            ("North Carolina State Board of Elections", "organization"),
        ),
        ("Donald Trump Supreme Court", "", None),  # a person glued to an organisation
        ("Slovakia Donald Trump", "", None),  # a place glued to a person
        ("India Joe", "", None),  # a country glued to a first name
        ("Melbourne Australia", "", None),  # a city glued to its country
        ("Samoa", "", ("Samoa", "location")),  # a country
        ("Niamey", "protests in Niamey", ("Niamey", "location")),  # a city written as a place
        ("Paramount", "", ("Paramount", "organization")),  # a city's name, no place cue
        ("Time", "", ("Time", "organization")),
        ("Bank of America", "", ("Bank of America", "organization")),
        ("Joe Estevez", "Joe Estevez, Joe Biden and others", ("Joe Estevez", "person")),
        ("Labour Party - 203", "", None),  # a seat count glued
        ("Middle East Respiratory Syndrome", "", ("Middle East Respiratory Syndrome", "other")),
        (
            "Institute of Infectious Disease",
            "",
            ("Institute of Infectious Disease", "organization"),
        ),
        ("American Samoans", "", ("American Samoans", "other")),  # a people
        ("Canadians", "", ("Canadians", "other")),
        ("MV Namse Bangdzod", "", ("MV Namse Bangdzod", "other")),  # a ship
        ("WSS", "((WSS)) How did it start?", None),  # a speaker label
        ("Oversight Committee", "", ("House Oversight Committee", "organization")),
        ("Bad Committee", "", ("Bad Committee", "organization")),  # the longer one is glued
        ("Hornets", "", ("Charlotte Hornets", "organization")),  # one word ends it too
        ("Darrell Castle", "nominee Darrell Castle won", ("Darrell Castle", "person")),
        ("Darrell Castle", "Darrell Castle said", ("Darrell Castle", "person")),
        ("Morgan Stanley", "analysts at Morgan Stanley", ("Morgan Stanley", "organization")),
        ("Behnken", "", ("Bob Behnken", "person")),  # the one person with that surname
        ("Fort Peck, Blackfeet Nation", "", None),  # two names
        ("Acme, Inc.", "", ("Acme, Inc.", "organization")),  # a company suffix
        (
            "Institute of Epidemiology, Disease Control and Research",
            "",
            ("Institute of Epidemiology, Disease Control and Research", "organization"),
        ),
        ("Whistleblower Joe Biden", "", None),  # a person with a role word
        ("Bidens", "", None),  # a family
        ("League of Women", "the League of Women Voters said", None),  # cut
        ("Institute of Allergy", "Institute of Allergy and Infectious Diseases", None),
        (
            "University of Miami",
            "University of Miami and Joe Biden",
            ("University of Miami", "organization"),
        ),
        ("Supreme", "the Supreme Court ruled", ("Supreme Court", "organization")),  # longer
        ("White", "White said; the White House", ("White", "organization")),  # also alone
        ("Biological Diversity", "the Center for Biological Diversity", None),
        ("Apple", "Apple CEO Tim Cook", ("Apple", "organization")),  # a title follows
        ("Google", "Google and Apple", ("Google", "organization")),
        (
            "Chapman University",
            "Eastman of Chapman University",
            ("Chapman University", "organization"),
        ),
    ],
)
def test_check_organization(name: str, text: str, expected: tuple[str, str] | None) -> None:
    got = check_organization(
        name, doc_words(text), RULES, NAMES, ORGS, people_parts(PEOPLE), PEOPLE
    )
    assert got == expected


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("Behnken", "Behnken said", ("Bob Behnken", "person")),
        ("Bidens", "the Bidens said", None),  # a family
        ("Washington", "in Washington", ("Washington", "location")),  # written as a place
        ("Moscow", "Moscow said", ("Moscow", "location")),
        ("Behnken", "", ("Behnken", "location")),  # no text: no evidence
        ("Elijah", "Elijah said", ("Elijah Cummings", "person")),  # a first name
        ("Islam", "Islam", ("Islam", "other")),
    ],
)
def test_check_place(name: str, text: str, expected: tuple[str, str] | None) -> None:
    doc = doc_words(text)
    assert check_place(name, doc, RULES, NAMES, people_parts(PEOPLE), PEOPLE) == expected


@pytest.mark.parametrize(
    ("name", "text", "evidence", "expected"),
    [
        # one word the gazetteer does not know, every use starting a sentence: dropped
        ("Amongst", "It rained. Amongst them, one.", "unknown", None),
        ("Offering", "Offering his help, he came.", "unknown", None),
        ("Offering", "Offering his help, he came.", "known", ("Offering", "location")),
        (
            "Catalonia",
            "Catalonia fire\n\nIn a Catalonian city",
            "unknown",
            ("Catalonia", "location"),
        ),
        ("Mindanao", "Quakes in Mindanao.", "unknown", ("Mindanao", "location")),
        ("Mindanao", "Mindanao shook. Quakes hit.", "unknown", None),
        ("Oxfordshire", "a farm near Oxfordshire", "unknown", ("Oxfordshire", "location")),
        ("Thesprotia", "the Thesprotia police", "unknown", ("Thesprotia", "location")),
        ("R0", "the R0 value", "unknown", None),  # a digit: no place
        ("Jupiter", "the mass of Jupiter", "weak", None),  # a small town only, no context
        ("Jupiter", "a house in Jupiter", "weak", ("Jupiter", "location")),
        ("Portfolio.hu", "said Portfolio.hu", "unknown", ("Portfolio.hu", "organization")),
        ("Northern Ireland - 1", "", "unknown", ("Northern Ireland", "location")),
        ("Western District", "the Western District court", "unknown", None),
        ("Autonomous Region", "", "unknown", None),
        ("Western District", "", "weak", None),  # a minor region somewhere
        ("Middle East", "", "unknown", ("Middle East", "location")),  # no region head
        ("Faleolo District Hospital", "", "unknown", ("Faleolo District Hospital", "organization")),
        ("North and South Korea", "", "unknown", None),
        ("Savannah Guthrie", "Savannah Guthrie asked", "unknown", ("Savannah Guthrie", "person")),
        ("Paris Metro", "Paris Metro: the metro", "unknown", ("Paris Metro", "location")),
        ("Santos City", "Santos City", "unknown", ("Santos City", "location")),  # a place head
        ("Schiff", "Rep. Adam Schiff spoke", "unknown", ("Adam Schiff", "person")),
        ("Melania", "Lady Melania spoke", "unknown", ("Melania", "location")),  # a title
        ("Client", "Client visits. The client paid.", "unknown", None),  # lowercase too
        ("Punta", "the Punta Ventana rock", "unknown", None),  # cut from a longer name
        ("Hongkongers", "many Hongkongers have", "unknown", ("Hongkongers", "other")),
        ("Mars", "life on Mars", "unknown", ("Mars", "location")),
        ("Patagonia", "the Patagonia steppe", "unknown", ("Patagonia", "location")),
        ("Sultan", "the Sultan of Oman", "unknown", None),  # a title (nameparser)
        ("RT", "as RT reported", "unknown", ("RT", "organization")),  # an acronym
        ("UK", "RT reported", "known", ("UK", "location")),
        ("Savannah Guthrie", "Savannah Guthrie asked", "known", ("Savannah Guthrie", "location")),
    ],
)
def test_check_place_evidence(
    name: str, text: str, evidence: str, expected: tuple[str, str] | None
) -> None:
    doc = doc_words(text)
    got = check_place(name, doc, RULES, NAMES, [], [], evidence)  # type: ignore[arg-type]
    assert got == expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [("Court", "Supreme Court"), ("Session", "Court of Session"), ("Police", None)],
)
def test_qualified(head: str, expected: str | None) -> None:
    assert qualified(head, ORGS) == expected


def test_doc_words() -> None:
    doc = doc_words("The telescope saw it. Officials announced a neo-Nazi rally at www.x.com.")
    assert {"telescope", "announced", "neo-Nazi", "neo"} <= doc.lower
    assert doc.is_noun("Telescope") and not doc.is_noun("announced")
    assert "com" not in doc.lower  # URLs are not the document's words


def test_rules_from_config() -> None:
    rules = parse_rules(
        {
            "persons": {"caption_words": ["Image"], "thing_heads": {"location": ["Avenue"]}},
            "organizations": {"generic_heads": ["Court"], "ideology_suffixes": ["ism"]},
            "events": {"first_words": ["Hurricane"], "last_words": ["Day"]},
        }
    )
    assert rules.caption_words == {"image"}
    assert rules.thing_heads == {"avenue": "location"}
    assert rules.ideology_suffixes == ("ism",)
    assert RULES.caption_words and RULES.generic_heads and RULES.event_first


def test_census_names() -> None:
    assert NAMES.is_first("Maya") and NAMES.is_known("Cummings") and not NAMES.is_known("Shoigu")
    assert "jr" in NAMES.suffixes and "astronomer" in NAMES.titles


def _ents(text: str, spans: list[tuple[str, str]], **kw: bool) -> dict[str, tuple[str, ...]]:
    mentions = []
    for surface, label in spans:
        start = text.index(surface)
        mentions.append(Mention(surface, label, start, start + len(surface)))
    e = canonicalize(mentions, AliasTable([]), "m", text=text, **kw)
    return {k: v for k, v in vars(e).items() if k in KINDS and v}


KINDS = ("persons", "organizations", "locations", "other")


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        (  # the caption word goes; the short mention resolves to the stripped name
            "Tom Tancredo Image. Tancredo spoke.",
            [("Tom Tancredo Image", "PERSON"), ("Tancredo", "GPE")],
            {"persons": ("Tom Tancredo",)},
        ),
        (  # generic head resolves to the qualified organisation
            "The Supreme Court ruled. The Court said.",
            [("Supreme Court", "ORG"), ("Court", "ORG")],
            {"organizations": ("Supreme Court",)},
        ),
        (
            "Bob Behnken flew. Behnken said.",
            [("Bob Behnken", "PERSON"), ("Behnken", "GPE"), ("Behnken", "GPE")],
            {"persons": ("Bob Behnken",)},
        ),
        (
            "After Hurricane Maria, Islam.",
            [("Hurricane Maria", "GPE"), ("Islam", "ORG")],
            {"other": ("Hurricane Maria", "Islam")},
        ),
    ],
)
def test_canonicalize_validates(text: str, spans: list[tuple[str, str]], expected: dict) -> None:
    assert _ents(text, spans) == expected


def test_validate_off_keeps_model_output() -> None:
    text = "Tom Tancredo Image. The Court said."
    spans = [("Tom Tancredo Image", "PERSON"), ("Court", "ORG")]
    assert _ents(text, spans, validate=False) == {
        "persons": ("Tom Tancredo Image",),
        "organizations": ("Court",),
    }
