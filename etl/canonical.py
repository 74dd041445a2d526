"""Canonical entity names: one facet value per real-world entity across the whole index.

Pure functions, no spaCy. Each document is canonicalised on its own (no state shared between
documents), so a value never depends on which documents were processed before or with it.

Per mention, in order:

1. **Clean** the surface: NFC, ASCII quotes/hyphens, single spaces; strip stray quotes,
   brackets and punctuation at the edges, possessives (``Putin's``, ``Putin’s``, ``Reuters'``)
   and a final period unless it ends an abbreviation (``U.S.``, ``Jr.``); ``, Jr.`` -> `` Jr.``.
2. **Alias table** (``config/entities.yml``) wins on name and type: the cleaned surface, then
   without a leading "the", then without titles, is looked up (exact alias, else fold key).
3. **Titles and roles** are cut: everything up to the last title word before the final token
   (``Russian President Vladimir Putin`` -> ``Vladimir Putin``, ``Marshal Pak Jong Chon``,
   ``Mr. Kim``). A span the model did not type as a person becomes one when its title is a role
   only people have (``President Vladimir Putin`` typed ORG) or the rest resolves to a person;
   a qualifying title word alone changes nothing (``Defense Ministry`` stays an organisation).
4. **Short mentions** resolve inside the document: a person mention, or a one-word mention of
   any type, whose words are the start or end of a longer person name in the same document
   becomes that person (``Putin`` -> ``Vladimir Putin``; ``Shoigu`` tagged GPE -> person), and
   so does a person mention that is a longer name of the document without some of its middle or
   later words (``John Conyers`` -> ``John James Conyers Jr.``, ``Pedro Pierluisi`` -> ``Pedro
   R. Pierluisi Urrutia``). When
   several names fit (``Kim`` with ``Kim Jong Un`` and ``Kim Myong Sik``), the one written out
   most often wins, then the one introduced first (news style names the main subject first).
   A word the document uses alone as a non-person more often than in person mentions keeps
   that type, even where the model once calls it a person (``Melbourne`` typed GPE fifty times
   beside a stray "Make Melbourne" person; ``Washington`` beside ``George Washington``).
5. **Noise** is dropped: a one-word person that nothing resolves (a surname or first name
   alone; mononyms belong in the alias table), a "person" that is a description
   (``Putin's press secretary``), fewer than two letters or digits, no letter at all, no
   capital letter in a cased script (``east coast``), or a lowercase prefix word
   (``inter-Korean``; ``al-Qaeda`` and ``iPhone`` stay). Model spans are split at line breaks.
6. **Validation** (``validate``, on by default; :mod:`etl.validate` with the persons' checks in
   :mod:`etl.person_checks`, the organisations' in :mod:`etl.org_checks` and the places' in
   :mod:`etl.place_checks`, data named in ``config/facets.yml``) of what the alias table does
   not know, with the document's text as evidence of common words (a word it writes in
   lowercase; a noun when after "the"):

   - before short mentions resolve, a person loses trailing caption, label and reporting words
     (``Tom Tancredo Image``, ``Narendra Modi Announced``, glued: ``Jo JorgensenImage``), gets
     back a surname the model cut off when the text always writes it after the name (``Amy
     Berman`` -> ``Amy Berman Jackson``), and loses leading role words and honorifics
     (``Astronomer Anthony Boccaletti``, ``Sayyid Ali Hosseini Khamenei``; ``King`` only where
     the text says "the king"), keeping two words;
   - any type: a storm or a day (``Hurricane Maria``, ``Bastille Day``) -> other;
   - persons: a thing named after someone (``James Webb Telescope`` -> other, ``John Radcliffe
     Hospital`` -> organisation, ``Karl Marx Avenue`` -> place), a law, or a phrase with no
     Census name and a common word (``Atmospheric Science``) -> other, and so is a name without
     a first name that begins a longer organisation or place of the document (``Hagia Sophia``
     beside ``Hagia Sophia Museum``); a place or organisation by a class word (``Causeway Bay``
     unless a first name precedes, ``County Kerry``, ``Crow Tribe``, ``... Kft``) or written
     after "in", "at"... (``in La Llagosta``) or a class noun (``troupe Tribal Evolution``) ->
     that type; a name the text writes in the plural
     (``Space Shuttles``), that starts with a common word of the text (``Female Grand
     Master``), that it calls a character or a thing (``the character Tasha Yar``, ``Cotton
     Candy, a dragon.``) -> other; two
     surnames of two people of the document (``Trump Biden``) are dropped, and a first word
     the document names alone as an organisation or place more often than in persons is cut
     (``Koszalin Piotr Jedlinski``; ``Twitter West`` is dropped). A name none of whose
     words the data knows stays (``Sergei Shoigu``) unless ``require_known``;
   - organisations: a generic head alone (``Court``, ``House``, or a plain word the text also
     writes in lowercase) becomes the document's longer organisation ending with it (``Supreme
     Court``), else is dropped; religions, ideologies (``-ism``), ``-phone`` words and ISO 639
     languages, laws (``... Act``) -> other; roads -> place; a person's surname in the document
     (``Trump`` beside ``Donald Trump``) or a name sharing a person's surname with a Census first
     name (``Maya Rockeymoore Cummings``) -> person;
   - organisations: ``House`` is never resolved (beside the ``White House`` it means the House
     of Representatives);
   - organisations, more: a legislature head alone (``Senate``, ``Parliament``) is kept when
     the text never writes it in lowercase; stop words and particles alone (``Very``, ``Le``)
     and all-caps common words of the text (``TOGETHER``) are dropped; an acronym the text
     spells out in brackets as a lowercase phrase or a title (``PPE``, ``MVP (Most Valuable
     Player)``), an event (``... Convention``, ``... Championships``), a title or degree
     (``International Master``, ``Bachelor of Education``, ``Sheriff of ...``) -> other; a
     person of the text glued to an organisation or place (``Brett Kavanaugh Supreme Court``),
     a country glued to a first name, a city glued to its country (``Melbourne Australia``) are
     dropped, and so are two names run together (``Tesco - Netto Poland``, ``Fort Peck,
     Blackfeet Nation``), a person of the text with other words (``Keisha Lance Bottoms
     Image``), a family (``Turpins``) and a name the text only writes inside a longer one
     (``League of Women`` Voters, ``Center for`` ``Biological Diversity``); a word the text
     only writes as the start of one longer organisation becomes it; a name with a first name
     listed beside a person of the text, or with a Census surname written after a role word or
     before "said" (``nominee Darrell Castle``), -> person, and so is the surname of the one
     person of the text with it (``Prakash`` beside ``Om Prakash``); a disease or a prize
     (``... Syndrome``, ``... Prize``) and a people named after a country (``American
     Samoans``) and a ship (``MV ...``) -> other; an interview's speaker label (``((WSS))``)
     is dropped; a name that ends exactly one longer organisation of the text (which passes
     these checks) becomes it (``Judiciary Committee`` -> ``House Judiciary Committee``,
     ``Hornets`` -> ``Charlotte Hornets``); a
     country
     or region's name (GeoNames, ISO 3166), or a city's the text writes after "in"/"at" ->
     place;
   - places: a one-word place that is the first name or surname of a person of the document and
     is never written after "in", "at"... is that person (``Behnken``); a family (``Bidens``)
     is dropped; a religion (``Islam``) -> other; a web address -> organisation; a glued count
     is cut (``Northern Ireland - 1``). With what GeoNames/ISO 3166 say of the value
     (:func:`etl.geo.place_evidence`: unknown, or only a small town far from the document's
     other places), a one-word place never after "in", "at"... is dropped when every use starts
     a sentence (``Amongst``), it holds a digit (``R0``), it is such a town (``Jupiter``), the
     text writes it in lowercase (``Client``) or only before another capitalised word
     (``Punta``), or it is a title (``Sultan``); it is a person after a Census first name
     (``Schiff`` in "Adam Schiff"), an organisation if an acronym (``RT``), other if a demonym
     (``Hongkongers``). An unknown longer place is dropped when made of generic region words
     (``Western District``) or two names joined by "and" (``North and South Korea``), is an
     organisation after an organisation head (``Faleolo District Hospital``), a person if a
     Census first name and surname (``Savannah Guthrie``).
   Places are then located (:func:`etl.geo.locate`), and values naming one place get one name
   (``UAE`` -> ``United Arab Emirates``, ``Lousiana`` beside ``Louisiana``).

**Display form** (what the facet shows), a pure function of the cleaned name and its type:
the alias table's name when the table knows the entity; otherwise Latin diacritics folded to
ASCII (``José`` -> ``Jose``), and

- persons: hyphenated names written as separate capitalised words, as the table writes Korean
  names (``Kim Jong-un``, ``Kim Jong-Un``, ``KIM JONG-UN`` -> ``Kim Jong Un``; ``An Chan-il`` ->
  ``An Chan Il``; a particle keeps its hyphen: ``al-Baghdadi``); all-caps or lowercase words
  capitalised (``Vladimir PUTIN``; two-letter initials such as ``AJ`` stay), particles
  lowercase in a name written all in one case (``MOHAMMED BIN SALMAN`` ->
  ``Mohammed bin Salman``), a lone initial gets its period (``George W Bush`` ->
  ``George W. Bush``), ``Jr``/``Jr.`` -> ``Jr.``;
- organisations and places: in an all-caps name, words of four letters or more capitalised
  (``CHATHAM HOUSE`` -> ``Chatham House``, ``BBC NEWS`` -> ``BBC News``); lowercase words
  other than connectors capitalised (``Vostochny cosmodrome`` -> ``Vostochny Cosmodrome``);
- all but persons: dotted initialisms without dots (``U.S. Senate`` -> ``US Senate``).

Variants that differ in case, hyphens, spacing or diacritics therefore get the same value in
every document, whatever the order. The price is cosmetic: ``Jean-Pierre`` shows as
``Jean Pierre`` unless the table lists the person. What no rule can fold (transliterations such
as ``Shoygu``/``Shoigu``, ``Zelenskyy``/``Zelensky``) is what the alias table is for. Inside one
document, mentions are grouped by :func:`etl.text.fold_key`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from etl.gazetteer import AliasEntry, AliasTable
from etl.geo import place_evidence
from etl.kinds import Kind
from etl.mentions import KIND_ORDER, LABEL_KIND, Mention
from etl.names import (
    clean_surface,
    display_form,
    has_person_title,
    is_noise,
    looks_like_name,
    name_parts,
    split_conjoined,
    strip_article,
    strip_titles,
)
from etl.org_checks import check_organization
from etl.person_checks import glued_lead, person_kind, strip_person
from etl.place_checks import check_place
from etl.records import Entities
from etl.text import fold_key
from etl.validate import NO_DOC, DocWords, doc_words, is_event, load_rules, name_data


@dataclass
class _Cand:
    name: str
    kind: Kind
    start: int
    entry: AliasEntry | None = None
    hint: str | None = None  # a non-person span minus titles, tried as a person


@dataclass
class _Person:
    name: str
    parts: tuple[str, ...]
    entry: AliasEntry | None
    count: int = 0
    first: int = 0


@dataclass
class _Group:
    names: Counter[str] = field(default_factory=Counter)
    kinds: Counter[Kind] = field(default_factory=Counter)
    entry: AliasEntry | None = None
    count: int = 0


def _candidates(m: Mention, table: AliasTable) -> list[_Cand]:
    if m.entry is not None:
        return [_Cand(m.entry.name, m.entry.kind, m.start, m.entry)]
    kind = LABEL_KIND.get(m.label)
    if kind is None:
        return []
    surface = clean_surface(m.text)
    out: list[_Cand] = []
    for part in split_conjoined(surface) if kind == "person" else [surface]:
        if table.is_ignored(part):
            continue
        name, hint = clean_surface(strip_article(part)), None  # 'the "Kim Kardashian'
        entry = table.lookup(part) or table.lookup(name)
        if entry is None:
            bare = clean_surface(strip_titles(name))
            if bare != name:
                entry = table.lookup(bare)
                if kind == "person":
                    name = bare
                elif has_person_title(name):  # "President Vladimir Putin" typed ORG
                    name, kind = bare, "person"
                else:
                    hint = bare
        if entry is not None:
            out.append(_Cand(entry.name, entry.kind, m.start, entry))
        elif name:
            out.append(_Cand(name, kind, m.start, hint=hint))
    return out


@dataclass
class _Context:
    """What short mentions are resolved against, gathered over the whole document."""

    people: list[_Person]  # persons written out in full
    evidence: Counter[str]  # name word -> person mentions containing it
    alone: dict[str, Counter[Kind]]  # one word -> its kinds when typed as a non-person alone


def _context(cands: list[_Cand]) -> _Context:
    people: dict[tuple[str, ...], _Person] = {}
    evidence: Counter[str] = Counter()
    alone: dict[str, Counter[Kind]] = {}
    for c in cands:
        if c.kind != "person":
            if c.entry is None and c.hint is None and " " not in c.name:
                alone.setdefault(fold_key(c.name), Counter())[c.kind] += 1
            continue
        name = c.entry.name if c.entry else display_form(c.name, "person")
        parts = name_parts(name)
        evidence.update(set(parts))
        if len(parts) >= 2 and (c.entry or (looks_like_name(c.name) and not is_noise(c.name))):
            p = people.setdefault(parts, _Person(name, parts, c.entry, first=c.start))
            p.count += 1
            p.entry = p.entry or c.entry
            p.first = min(p.first, c.start)
    # A full name that is itself the start or end of a longer one ("Kim Jong") is no target.
    targets = [p for p in people.values() if _match(p.parts, people.values()) is None]
    return _Context(targets, evidence, alone)


def _match(parts: tuple[str, ...], people: Iterable[_Person]) -> _Person | None:
    n, best = len(parts), None
    for p in people:
        if n >= len(p.parts):
            continue
        if parts not in (p.parts[:n], p.parts[-n:]) and not _shortened(parts, p.parts):
            continue
        if best is None or (-p.count, p.first, p.name) < (-best.count, best.first, best.name):
            best = p
    return best


def _shortened(short: tuple[str, ...], full: tuple[str, ...]) -> bool:
    """Whether ``short`` is ``full`` without some of its middle or later words, same first
    name: "John Conyers" of "John James Conyers Jr.", "Pedro Pierluisi" of "Pedro R. Pierluisi
    Urrutia" (a second surname); not "John Lewis" of "John R. Lewis Voting Rights Act"."""
    if len(short) < 2 or short[0] != full[0] or short[-1] not in full[-2:]:
        return False
    rest = iter(full[1:])
    return all(any(w == f for f in rest) for w in short[1:])


def _resolve(c: _Cand, ctx: _Context) -> tuple[str, Kind, AliasEntry | None] | None:
    if c.entry is not None:
        return c.entry.name, c.entry.kind, c.entry
    probe = c.hint or c.name
    parts = name_parts(probe)
    kind, settled = c.kind, False
    if len(parts) == 1 and c.hint is None:
        # One word: the document decides whether it names a person or, say, a place. "Shoigu"
        # typed GPE once beside "Sergei Shoigu" is the person; "Melbourne" typed GPE fifty
        # times stays the city even where the model once calls it a person.
        alone = ctx.alone.get(parts[0])
        if alone and alone.total() > ctx.evidence[parts[0]]:
            kind = min(alone, key=lambda k: (-alone[k], KIND_ORDER.index(k)))
            settled = True
    if parts and not settled and (kind == "person" or c.hint is not None or len(parts) == 1):
        p = _match(parts, ctx.people)
        if p is not None:
            return p.name, "person", p.entry
    if kind == "person" and (len(parts) < 2 or not looks_like_name(c.name)):
        return None  # a surname alone that nothing in the document resolves, or no name at all
    if is_noise(c.name):
        return None
    return display_form(c.name, kind), kind, None


class _Validator:
    """The facet checks (:mod:`etl.validate`, :mod:`etl.person_checks`, :mod:`etl.org_checks`,
    :mod:`etl.place_checks`) with what one document gives them."""

    def __init__(self, text: str, require_known: bool) -> None:
        self.doc: DocWords = doc_words(text) if text else NO_DOC
        self.rules = load_rules()
        self.names = name_data()
        self.require_known = require_known
        self.orgs: Counter[str] = Counter()
        self.things: set[str] = set()  # longer organisation and place names
        self.people: list[tuple[str, ...]] = []
        self.person_names: list[str] = []
        self.places: list[str] = []  # the document's place values, context for place_evidence
        self.stripped: dict[str, str] = {}
        self.single: set[str] = set()  # one-word organisations and places (fold keys)

    def strip(self, c: _Cand) -> _Cand:
        if c.kind != "person" or c.entry is not None:
            return c
        name = self.stripped.get(c.name)
        if name is None:  # a name recurs: its text searches are made once
            name = self.stripped[c.name] = strip_person(c.name, self.doc, self.rules, self.names)
        return c if name == c.name else replace(c, name=name)

    def learn(self, cands: list[_Cand], ctx: _Context) -> None:
        for c in cands:
            if c.kind in ("organization", "location") and (c.entry or " " in c.name):
                name = c.entry.name if c.entry else display_form(c.name, c.kind)
                self.things.add(name)
                if c.kind == "organization":
                    self.orgs[name] += 1
        self.people = [p.parts for p in ctx.people]
        # One word the document names alone as a non-person more often than inside persons.
        self.single = {w for w, n in ctx.alone.items() if n.total() > ctx.evidence[w]}
        self.person_names = [p.name for p in ctx.people]
        self.places = sorted({c.name for c in cands if c.kind == "location"})

    def check(self, name: str, kind: Kind) -> tuple[str, Kind] | None:
        if is_event(name, self.rules, self.names):
            return name, "other"
        if kind == "person":
            rest = glued_lead(name, self.single, self.names)  # "Koszalin Piotr Jedlinski"
            if rest == "":
                return None
            name = rest or name
            k = person_kind(
                name,
                self.doc,
                self.rules,
                self.names,
                things=self.things,
                people=self.people,
                require_known=self.require_known,
            )
            return (name, k) if k else None
        if kind == "organization":
            return check_organization(
                name, self.doc, self.rules, self.names, self.orgs, self.people, self.person_names
            )
        if kind == "location":
            return check_place(
                name,
                self.doc,
                self.rules,
                self.names,
                self.people,
                self.person_names,
                place_evidence(name, self.places),
            )
        return name, kind


def canonicalize(
    mentions: Iterable[Mention],
    table: AliasTable,
    model: str,
    *,
    text: str = "",
    validate: bool = True,
    require_known: bool = False,
) -> Entities:
    """Canonical, de-duplicated entities of one document with per-entity mention counts.

    Give all mentions of the document at once (short mentions resolve against the others), and
    its ``text`` for the checks of ``validate`` (which learn common words from it).
    Lists are ordered by salience: mentions, then name.
    """
    cands = [c for m in mentions for c in _candidates(m, table)]
    check = _Validator(text, require_known) if validate else None
    if check is not None:
        cands = [check.strip(c) for c in cands]
    ctx = _context(cands)
    if check is not None:
        check.learn(cands, ctx)
    groups: dict[str, _Group] = {}
    memo: dict[tuple[str, Kind, str | None, int], tuple[str, Kind, AliasEntry | None] | None] = {}
    for c in cands:
        key = (c.name, c.kind, c.hint, id(c.entry))
        if key not in memo:
            resolved = _resolve(c, ctx)
            if check is not None and resolved is not None and resolved[2] is None:
                checked = check.check(resolved[0], resolved[1])
                resolved = None if checked is None else (*checked, None)
            memo[key] = resolved
        resolved = memo[key]
        if resolved is None:
            continue
        name, kind, entry = resolved
        g = groups.setdefault(fold_key(name), _Group())
        g.names[name] += 1
        g.kinds[kind] += 1
        g.count += 1
        g.entry = g.entry or entry
    return _entities(groups, model)


def _entities(groups: dict[str, _Group], model: str) -> Entities:
    by_kind: dict[Kind, list[tuple[int, str]]] = {k: [] for k in KIND_ORDER}
    for g in groups.values():
        if g.entry is not None:
            name, kind = g.entry.name, g.entry.kind
        else:
            name = min(g.names, key=lambda n: (-g.names[n], n))
            kind = min(g.kinds, key=lambda k: (-g.kinds[k], KIND_ORDER.index(k)))
        by_kind[kind].append((-g.count, name))
    ranked = sorted(item for items in by_kind.values() for item in items)
    return Entities(
        persons=tuple(n for _, n in sorted(by_kind["person"])),
        organizations=tuple(n for _, n in sorted(by_kind["organization"])),
        locations=tuple(n for _, n in sorted(by_kind["location"])),
        other=tuple(n for _, n in sorted(by_kind["other"])),
        mentions={n: -c for c, n in ranked},
        model=model,
    )
