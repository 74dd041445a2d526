"""A raw root of hostile and unlucky input, each file with what the pipeline must make of it.

Used by the reader unit tests and by the end-to-end run (tests/integration). Every kind issue 15
names: deeply nested JSON (a .json, a .jsonl line, a sidecar, a manifest), odd file names, a
FIFO, symlinks to /dev/zero and out of the root, a huge JSON line, every encoding, wrong JSON
types. Bodies differ from file to file, so no two good files share a document id.
"""

from __future__ import annotations

import codecs
import json
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

NESTED = "[" * 100_000 + "]" * 100_000
# The run's settings use this limit, so the huge line stays small enough for a test.
MAX_FILE_BYTES = 500_000
SECRET = "zebracorn-outside-the-root"  # must never become searchable


@dataclass(frozen=True)
class Expected:
    """What a file must become: documents loaded, and quarantine/warning reasons (substrings)."""

    docs: int = 0
    quarantined: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())


def _body(topic: str) -> str:
    return (
        f"The city council met on Tuesday to discuss {topic}. Officials said the plan would "
        f"be published next week, after residents had a chance to comment on {topic}.\n"
    )


def _write(root: Path, rel: str | bytes, data: bytes | str) -> Path:
    path = Path(os.fsdecode(os.path.join(os.fsencode(root), os.fsencode(rel))))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def write_corpus(root: Path, outside: Path) -> dict[str, Expected]:
    """Write the corpus under ``root`` (``outside``: a folder outside every raw root).

    Keys are paths as the pipeline reports them (names that are not UTF-8 with \\xNN escapes).
    """
    out: dict[str, Expected] = {}

    def add(rel: str | bytes, data: bytes | str, expected: Expected) -> None:
        _write(root, rel, data)
        shown = rel if isinstance(rel, str) else rel.decode("utf-8", "backslashreplace")
        out[shown] = expected

    one = Expected(docs=1)
    # Every encoding a scraper hands over; each is one good document.
    add("enc/utf8.txt", _body("the new bridge in Zürich"), one)
    add("enc/utf8-sig.txt", codecs.BOM_UTF8 + _body("naïve budgets").encode(), one)
    add(
        "enc/utf16-bom.txt",
        codecs.BOM_UTF16_LE + _body("Grüße from the mayor").encode("utf-16-le"),
        one,
    )
    add("enc/utf16le-nobom.txt", _body("the café tax").encode("utf-16-le"), one)
    add("enc/utf16be-nobom.txt", _body("the déjà vu of traffic").encode("utf-16-be"), one)
    add("enc/cp1252.txt", _body("“smart” parking at 5 €").encode("cp1252"), one)
    add("enc/latin1.txt", _body("the São Tomé exchange").encode("latin-1"), one)
    japanese = (
        "東京都の議会は火曜日に新しい橋の建設計画について議論しました。"
        "市民の意見を聞いた後、来週に計画が発表される予定です。"
    )
    add("enc/shift_jis.txt", japanese.encode("shift_jis"), one)
    add("enc/garbage.txt", bytes(range(256)) * 8, Expected(quarantined=("binary",)))
    add(
        "enc/nul-late.txt",
        _body("late NULs").encode() * 100 + b"\x00",
        Expected(quarantined=("NUL",)),
    )
    add("enc/empty.txt", b"", Expected(quarantined=("empty file",)))

    # Deeply nested JSON: a RecursionError, never a failed run.
    add("nested/deep.json", NESTED, Expected(quarantined=("RecursionError",)))
    lines = [json.dumps({"text": _body("the nested feed, record one")}), NESTED]
    lines.append(json.dumps({"text": _body("the nested feed, record three")}))
    add(
        "nested/feed.jsonl",
        "\n".join(lines) + "\n",
        Expected(docs=2, quarantined=("RecursionError",)),
    )
    add(
        "nested/sidecar.txt",
        _body("a nested sidecar"),
        Expected(docs=1, warnings=("RecursionError",)),
    )
    _write(root, "nested/sidecar.txt.meta.json", NESTED)
    add(
        "nested/m/doc.txt",
        _body("a nested manifest"),
        Expected(docs=1, warnings=("manifest.jsonl",)),
    )
    _write(
        root,
        "nested/m/manifest.jsonl",
        json.dumps({"path": "doc.txt", "title": "T"}) + "\n" + NESTED + "\n",
    )

    # A line over the limit costs that record only.
    huge = [json.dumps({"text": _body("the huge feed, first")})]
    huge.append(json.dumps({"text": "x" * (MAX_FILE_BYTES * 2)}))
    huge.append(json.dumps({"text": _body("the huge feed, last")}))
    add("lines/huge.jsonl", "\n".join(huge), Expected(docs=2, quarantined=("record too large",)))

    # Wrong JSON types.
    records = [
        {"title": ["a", "list"], "text": _body("a list as a title")},
        {"url": 42, "text": _body("a number as a url")},
        "a string record",
        None,
        {"published_at": "not a date", "text": _body("a garbage date")},
    ]
    add(
        "types/records.json",
        json.dumps(records),
        Expected(
            docs=3,
            quarantined=("record is not a JSON object", "record is not a JSON object"),
            warnings=("title is not a string", "url is not a string", "is not a date"),
        ),
    )
    add("types/null.json", "null", Expected(quarantined=("record is not a JSON object",)))
    add(
        "types/string.jsonl",
        '"just a string"\n',
        Expected(quarantined=("record is not a JSON object",)),
    )

    # Odd names: they load, or (not UTF-8) are quarantined with a readable path.
    add("names/new\nline.txt", _body("a newline in a file name"), one)
    add("names/-leading-dash.txt", _body("a leading dash"), one)
    add("names/" + "l" * 250 + ".txt", _body("a very long file name"), one)
    add("names/spaces and ünïcode.txt", _body("spaces and accents in a name"), one)
    bad = Expected(quarantined=("not valid UTF-8",))
    add(b"names/caf\xe9.txt", _body("a latin-1 file name").encode(), bad)
    add(b"names/d\xff\xfe/inner.txt", _body("a folder name that is not UTF-8").encode(), bad)

    # Things that are not regular files, or lead out of the root: never opened.
    special = root / "special"
    special.mkdir()
    os.mkfifo(special / "fifo.txt")
    out["special/fifo.txt"] = Expected(quarantined=("not a regular file (a FIFO)",))
    os.mkfifo(special / "fifo.jsonl")
    out["special/fifo.jsonl"] = Expected(quarantined=("not a regular file (a FIFO)",))
    (special / "zero.txt").symlink_to("/dev/zero")
    out["special/zero.txt"] = Expected(quarantined=("not a regular file (a character device)",))
    secret = outside / "secret.txt"
    secret.write_text(_body(SECRET))
    (special / "outside.txt").symlink_to(secret)
    out["special/outside.txt"] = Expected(quarantined=("symlink points outside the raw roots",))
    (special / "etc.txt").symlink_to("../../../../../../../../etc/hostname")
    out["special/etc.txt"] = Expected(quarantined=("symlink points outside the raw roots",))
    (special / "inside.txt").symlink_to("../enc/utf8.txt")  # inside the root: followed
    out["special/inside.txt"] = Expected(docs=1)
    (special / "loop.txt").symlink_to("loop.txt")
    out["special/loop.txt"] = Expected(quarantined=("cannot read file",))
    # A sidecar pointing out of the root is not read either: its fields must not leak in.
    add(
        "special/leaky.txt",
        _body("a sidecar that points outside"),
        Expected(docs=1, warnings=("outside the raw roots",)),
    )
    (outside / "leak.meta.json").write_text(json.dumps({"title": SECRET}))
    (special / "leaky.txt.meta.json").symlink_to(outside / "leak.meta.json")
    sock = special / "s.txt"
    if len(os.fsencode(sock)) < 100:  # AF_UNIX paths are short
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(str(sock))
        out["special/s.txt"] = Expected(quarantined=("not a regular file (a socket)",))
    return out


def snapshot(root: Path) -> dict[bytes, tuple[int, int, int, bytes]]:
    """Every entry under ``root`` (bytes paths): mode, size, mtime and content or link target.

    lstat only, and only regular files are read: a FIFO or /dev/zero is never opened.
    """
    import stat

    snap: dict[bytes, tuple[int, int, int, bytes]] = {}
    base = os.fsencode(root)
    for folder, dirs, files in os.walk(base):
        for name in sorted(dirs + files):
            p = os.path.join(folder, name)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    content = f.read()
            elif stat.S_ISLNK(st.st_mode):
                content = os.readlink(p)
            else:
                content = b""
            snap[os.path.relpath(p, base)] = (st.st_mode, st.st_size, st.st_mtime_ns, content)
    return snap
