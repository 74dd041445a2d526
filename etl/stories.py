"""Stories: near-duplicate copies of one article (syndication) share one story id.

Pure functions, no Elasticsearch. The flow the index uses (issue 12):

1. ``fingerprint(body, settings)`` on each cleaned body: its word shingles (kept in memory for
   step 3) and its LSH band keys (stored in the document as a keyword array).
2. One terms query on the band keys finds the candidates already indexed; candidates within
   the same batch are found with ``candidate_pairs``.
3. ``confirm(fp.shingles, candidate_body, settings)`` on each candidate's *stored cleaned
   body*, re-shingled here: the shingle set is never stored, only the keys.
4. ``assign_batch(batch, indexed_matches, confirmed_pairs)`` gives the batch's story ids and
   the indexed stories to relabel (``assign_story`` for one document; ``group_stories`` for
   a full rebuild from all confirmed pairs).

Shingles are over the body alone: outlets reword headlines, the body is what is syndicated.

Story ids: a story's id is its representative's ``story_key`` (earliest published, then
smallest document id), and a document touching several stories merges them into the earliest.
What this guarantees, provided each new document is confirmed against every indexed document
sharing a band key *and* against the others of its batch, and ``merged`` stories are relabelled:
every id is the smallest key of a connected group of confirmed pairs. Keys and Jaccard are
symmetric and per document, so the confirmed pairs, hence the ids, are the same in every
arrival order: a full rebuild equals the incremental history (a pair LSH misses is missed in
every order alike). Limits: joining is single-linkage (A~B and B~C put A and C together);
deleting or changing a document never splits a story, and deleting its representative keeps
its id, where a rebuild would give the next member's key: after either, recompute the story's
remaining members with ``group_stories`` (``story_id`` None) from their stored bodies and
relabel; concurrent runs must not relabel at once (the alias lease serialises them).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, model_validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STORIES = PROJECT_ROOT / "config" / "stories.yml"

# Letters and digits; everything else (punctuation, quotes of any style, line breaks) separates.
_WORD = re.compile(r"[^\W_]+")
# Folded before tokenising so that curly/straight apostrophes split words the same way.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'"})
# datasketch 2.0's default scheme, named explicitly: its hash values differ from 1.x's
# ("legacy"), and stored band keys must never silently change with a library default.
_SCHEME = "affine32"


class StorySettings(BaseModel):
    """The ``stories:`` section of ``config/stories.yml`` (reasons for each value there)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    shingle_size: int = 5
    num_perm: int = 128
    bands: int = 32
    rows: int = 4
    seed: int = 1
    threshold: float = 0.5

    @model_validator(mode="after")
    def _check(self) -> StorySettings:
        if self.shingle_size < 1 or self.bands < 1 or self.rows < 1:
            raise ValueError("stories: shingle_size, bands and rows must be at least 1")
        if self.bands * self.rows > self.num_perm:
            raise ValueError(
                f"stories: bands x rows ({self.bands} x {self.rows}) exceeds num_perm "
                f"({self.num_perm})"
            )
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"stories: threshold must be in (0, 1], not {self.threshold}")
        return self


def load_story_settings(path: Path | str | None = None) -> StorySettings:
    """Parse the ``stories:`` section of a file (default: config/stories.yml; the pipeline
    names its file in ``stories.config`` of the settings)."""
    return _load(str(Path(path or DEFAULT_STORIES).resolve()))


@lru_cache(maxsize=4)
def _load(path: str) -> StorySettings:
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}
    return StorySettings.model_validate(data.get("stories") or {})


# --- shingles ------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """Normalised words: NFKC, case-folded, apostrophes unified; punctuation and layout gone."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).casefold()
    return _WORD.findall(text)


def shingles(text: str, size: int) -> frozenset[str]:
    """The set of ``size``-word shingles of ``text`` (one shingle if it has fewer words)."""
    w = words(text)
    if not w:
        return frozenset()
    if len(w) < size:
        return frozenset((" ".join(w),))
    return frozenset(" ".join(w[i : i + size]) for i in range(len(w) - size + 1))


def containment(a: frozenset[str], b: frozenset[str]) -> float:
    """|A ∩ B| / min(|A|, |B|): the share of the shorter text found in the other."""
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return sum(1 for s in small if s in large) / len(small)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|A ∩ B| / |A ∪ B|."""
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """The similarity a candidate must reach: Jaccard over word shingles.

    Jaccard, not containment: stories are joined transitively, and under containment a short
    text quoted whole by several articles (a statement, a brief, a reused background
    paragraph) would be "the same story" as each of them and chain them all into one. Jaccard
    is also what MinHash/LSH estimate, so a pair the confirmation accepts is one the band keys
    find (p >= 0.94 at the threshold). The cost: a copy trimmed to half its original is missed
    (docs/benchmarks.md, stories).
    """
    return jaccard(a, b)


def confirm(
    doc_shingles: frozenset[str], candidate_body: str, settings: StorySettings
) -> float | None:
    """The similarity of a candidate (its stored cleaned body, re-shingled) when it reaches
    the threshold, else None."""
    s = similarity(doc_shingles, shingles(candidate_body, settings.shingle_size))
    return s if s >= settings.threshold else None


# --- MinHash and band keys -----------------------------------------------------------------


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> np.ndarray:
    from datasketch import MinHash

    # Generated once per process (numpy's seeded RandomState: the same on every machine).
    return MinHash(num_perm=num_perm, seed=seed, scheme=_SCHEME).permutations


def signature(shingle_set: Iterable[str], settings: StorySettings) -> np.ndarray:
    """The MinHash signature (uint32 array of ``num_perm`` values) of a shingle set."""
    from datasketch import MinHash

    m = MinHash(
        num_perm=settings.num_perm,
        seed=settings.seed,
        scheme=_SCHEME,
        permutations=_permutations(settings.num_perm, settings.seed),
    )
    # sorted: the same bytes in the same order in every process (sets iterate by hash()).
    m.update_batch([s.encode("utf-8") for s in sorted(shingle_set)])
    values: np.ndarray = m.hashvalues
    return values


def _key_salt(settings: StorySettings) -> bytes:
    # Keys made with other parameters must never collide with these: a changed shingle size,
    # seed or band shape gives disjoint keys (re-fingerprint the index), never false matches.
    tag = f"{_SCHEME}/k{settings.shingle_size}/p{settings.num_perm}/s{settings.seed}"
    return hashlib.blake2b(f"{tag}/r{settings.rows}".encode(), digest_size=16).digest()


def band_keys(sig: np.ndarray, settings: StorySettings) -> list[str]:
    """LSH band keys ``"{band}:{16 hex}"``: two documents are candidates when they share one.

    Each band's ``rows`` values are hashed as little-endian uint32 with blake2b (no Python
    ``hash()``), so the keys are the same in every process and on every machine.
    """
    salt = _key_salt(settings)
    raw = np.asarray(sig, dtype="<u4")
    keys = []
    for band in range(settings.bands):
        chunk = raw[band * settings.rows : (band + 1) * settings.rows].tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8, key=salt).hexdigest()
        keys.append(f"{band}:{digest}")
    return keys


@dataclass(frozen=True)
class Fingerprint:
    """A body's shingles (for confirming candidates; not stored) and band keys (stored)."""

    shingles: frozenset[str]
    band_keys: tuple[str, ...]


def fingerprint(body: str, settings: StorySettings) -> Fingerprint:
    """Shingles and band keys of a cleaned body; a body with no words has no keys (no story
    candidates: an empty signature would match every other empty one)."""
    sh = shingles(body, settings.shingle_size)
    if not sh:
        return Fingerprint(sh, ())
    return Fingerprint(sh, tuple(band_keys(signature(sh, settings), settings)))


def candidate_pairs(keys_by_id: Mapping[str, Sequence[str]]) -> set[tuple[str, str]]:
    """Pairs ``(a, b)``, ``a < b``, of documents sharing at least one band key (one batch)."""
    buckets: dict[str, list[str]] = {}
    for doc_id, keys in keys_by_id.items():
        for k in set(keys):
            buckets.setdefault(k, []).append(doc_id)
    pairs: set[tuple[str, str]] = set()
    for ids in buckets.values():
        ids.sort()
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                if a != b:
                    pairs.add((a, b))
    return pairs


# --- story ids -----------------------------------------------------------------------------

# Undated documents sort after every dated one: they can only represent an all-undated story.
_UNDATED = "99991231T235959Z"


def story_key(doc_id: str, published_at: datetime | None) -> str:
    """The story id a document gives the story it represents: ``YYYYMMDDTHHMMSSZ~doc_id``.

    Its string order is the representative order (earliest published, then document id), so
    the earliest story of several is the smallest id, without looking its representative up.
    Naive datetimes are taken as UTC; below a second, the document id decides.
    """
    if published_at is None:
        stamp = _UNDATED
    else:
        if published_at.tzinfo is not None:
            published_at = published_at.astimezone(UTC)
        stamp = published_at.strftime("%Y%m%dT%H%M%SZ")
        if len(stamp) != len(_UNDATED):  # years before 1000 or after 9999 would break the order
            stamp = _UNDATED
    return f"{stamp}~{doc_id}"


@dataclass(frozen=True)
class StoryMember:
    """A document as story assignment sees it: ``story_id`` is an indexed document's current
    story (None for the documents being assigned, and for one not yet in a story)."""

    id: str
    published_at: datetime | None
    story_id: str | None = None

    @property
    def key(self) -> str:
        return story_key(self.id, self.published_at)


@dataclass(frozen=True)
class StoryAssignment:
    """The story id to give a document, and the other stories it joins (relabel them)."""

    story_id: str
    merged: tuple[str, ...] = ()


def assign_story(doc: StoryMember, matches: Iterable[StoryMember]) -> StoryAssignment:
    """The story of ``doc`` given its confirmed matches: the smallest of its own key and the
    matches' story ids (a match without one counts as its own story).

    Every story id is its representative's key, so the smallest is the story whose
    representative is earliest; the other stories the document touches are returned in
    ``merged``: the caller relabels their documents (the document bridges them).
    """
    # doc.story_id is not consulted: a new or changed document is judged by its matches alone.
    ids = {m.story_id or m.key for m in matches}
    ids.add(doc.key)
    winner = min(ids)
    return StoryAssignment(winner, tuple(sorted(ids - {winner, doc.key})))


def group_stories(
    members: Iterable[StoryMember], edges: Iterable[tuple[str, str]]
) -> dict[str, str]:
    """Story id of every member, from confirmed pairs: each connected group of documents gets
    the key of its earliest member (or the smallest existing story id among them).

    The result depends on the set of members and edges only, never on their order: a full
    rebuild that confirms the same pairs gives the same ids whatever order files are read in.
    """
    by_id = {m.id: m for m in members}
    parent = {i: i for i in by_id}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        if a in parent and b in parent:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    best: dict[str, str] = {}
    for i, m in by_id.items():
        root = find(i)
        k = min(m.key, m.story_id) if m.story_id else m.key
        if root not in best or k < best[root]:
            best[root] = k
    return {i: best[find(i)] for i in by_id}


@dataclass(frozen=True)
class BatchAssignment:
    """Story ids for a batch's documents, and the indexed stories to relabel (old -> new)."""

    story_ids: dict[str, str]
    relabel: dict[str, str]


def assign_batch(
    batch: Iterable[StoryMember],
    indexed: Iterable[StoryMember],
    edges: Iterable[tuple[str, str]],
) -> BatchAssignment:
    """One batch's stories: ``batch`` (its new or changed documents), ``indexed`` (the
    already-indexed documents confirmed against them, with their story ids) and ``edges``
    (every confirmed pair: batch-batch and batch-indexed).

    ``relabel`` maps each indexed story id that a batch document merged away to the id that
    replaces it: every indexed document carrying the old id must get the new one.
    """
    # The batch's own documents start afresh: a changed document may have left its story.
    batch = [StoryMember(m.id, m.published_at) for m in batch]
    in_batch = {m.id for m in batch}
    indexed = [m for m in indexed if m.id not in in_batch]
    ids = group_stories([*batch, *indexed], edges)
    relabel = {m.story_id: ids[m.id] for m in indexed if m.story_id and m.story_id != ids[m.id]}
    return BatchAssignment({m.id: ids[m.id] for m in batch}, relabel)


def story_fields(story_id: str, doc_id: str, size: int) -> dict[str, Any]:
    """The ``story`` object of an index document (``canonical``: it is the representative)."""
    return {"id": story_id, "size": size, "canonical": story_id.endswith(f"~{doc_id}")}
