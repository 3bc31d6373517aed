"""Fuzzing `score` and `import` with mutated real inputs: every case ends in exit 0, 1 or 2, never in 3 (an
internal error), never with a traceback and never in a hang (each case is bounded in time).

The inputs are the project's real files (records, a rubric, a review, published tables), each mutated by a seeded
generator: byte flips, truncation, deleted, duplicated and swapped lines, swapped columns, huge numbers, NaN and
infinities, deep nesting, wrong types, unicode oddities, other encodings, empty files. The default run is sized to
take well under a minute; AUDIT_FUZZ_CASES sets the number of cases per kind of input (AUDIT_FUZZ_SEED the seed)
for a longer run, and AUDIT_FUZZ_CASE=<kind>:<n> re-runs the one case a failure names.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import random
import shutil
import signal
from collections.abc import Callable
from decimal import Decimal as D
from pathlib import Path

import pytest
import yaml
from conftest import ASSET_REVIEW

from toolkit.cli import main
from toolkit.core.yamlio import DecimalLoader, dump_yaml

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
RECORDS = sorted((ROOT / "params").glob("*.yaml")) + sorted((FIXTURES / "records").glob("*.yaml"))
TABLES = [FIXTURES / "import" / "000_0ab128b708fd7b30.txt", *sorted((FIXTURES / "real").glob("*.tsv"))]
SEED = int(os.environ.get("AUDIT_FUZZ_SEED", "17"))
CASES = {"record": 1000, "rubric": 350, "review": 350, "table": 800}
CASES = {kind: int(os.environ.get("AUDIT_FUZZ_CASES", count)) for kind, count in CASES.items()}
ONLY = os.environ.get("AUDIT_FUZZ_CASE", "")
CASE_SECONDS = 20  # far beyond any case (the slowest take a few tenths of a second): only a hang reaches it
REVIEW = ASSET_REVIEW

# --- mutations: each takes the generator and the text, and returns the mutated text ----------------------

HUGE = ["1e26", "1e400", "-1e30", "9" * 5000, "1" * 40, "1e-999999", "0x" + "f" * 60, "1_000_000_000_000_000"]
ODD_NUMBERS = [".nan", ".NaN", ".inf", "-.inf", "NaN", "inf", "-0", "0.0000000000000000001", "１２", "九", "1,5"]
WRONG_TYPES = ["[]", "{}", "~", "null", "true", "[1, [2, [3]]]", "{a: {b: c}}", "!!binary aGk=", "!!set {a}", '""']
UNICODE = ["\ufeff", "\u200b", "\u202e", "\u0301", "\ufffe", "\u2028", "\x85", "\x0c", "\r", "\x00", "\u3000", "𠀀"]


def _lines(text: str) -> list[str]:
    return text.split("\n")


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if out:
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def empty(rng: random.Random, data: bytes) -> bytes:
    return rng.choice([b"", b"\n", b"   \n\t\n", b"\xef\xbb\xbf", b"---\n", b"...\n", b"~\n"])


def _on_text(change: Callable[[random.Random, list[str]], list[str]]) -> Callable[[random.Random, bytes], bytes]:
    def mutate(rng: random.Random, data: bytes) -> bytes:
        lines = _lines(data.decode("utf-8", errors="replace"))
        return "\n".join(change(rng, lines) if lines else lines).encode("utf-8", errors="surrogatepass")

    mutate.__name__ = change.__name__
    return mutate


@_on_text
def delete_lines(rng: random.Random, lines: list[str]) -> list[str]:
    start = rng.randrange(len(lines))
    return lines[:start] + lines[start + rng.randint(1, 4) :]


@_on_text
def duplicate_lines(rng: random.Random, lines: list[str]) -> list[str]:
    start = rng.randrange(len(lines))
    block = lines[start : start + rng.randint(1, 4)]
    at = rng.randrange(len(lines) + 1)
    return lines[:at] + block * rng.randint(1, 3) + lines[at:]


@_on_text
def swap_lines(rng: random.Random, lines: list[str]) -> list[str]:
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return lines


@_on_text
def swap_columns(rng: random.Random, lines: list[str]) -> list[str]:
    sep = "\t" if any("\t" in line for line in lines) else ("," if any("," in line for line in lines) else ": ")
    for n in rng.sample(range(len(lines)), min(len(lines), rng.randint(1, 6))):
        cells = lines[n].split(sep)
        if len(cells) > 1:
            i, j = rng.randrange(len(cells)), rng.randrange(len(cells))
            cells[i], cells[j] = cells[j], cells[i]
            lines[n] = sep.join(cells)
    return lines


def _replace_value(rng: random.Random, lines: list[str], values: list[str]) -> list[str]:
    """A value on a few lines replaced: after `key: ` in YAML, a cell in a table."""
    for _ in range(rng.randint(1, 3)):
        n = rng.randrange(len(lines))
        line, value = lines[n], rng.choice(values)
        if ": " in line:
            lines[n] = line[: line.index(": ") + 2] + value
        elif "\t" in line:
            cells = line.split("\t")
            cells[rng.randrange(len(cells))] = value
            lines[n] = "\t".join(cells)
        else:
            lines[n] = line + value
    return lines


@_on_text
def huge_numbers(rng: random.Random, lines: list[str]) -> list[str]:
    return _replace_value(rng, lines, HUGE)


@_on_text
def odd_numbers(rng: random.Random, lines: list[str]) -> list[str]:
    return _replace_value(rng, lines, ODD_NUMBERS)


@_on_text
def wrong_types(rng: random.Random, lines: list[str]) -> list[str]:
    return _replace_value(rng, lines, WRONG_TYPES)


@_on_text
def deep_nesting(rng: random.Random, lines: list[str]) -> list[str]:
    depth = rng.choice([50, 200, 999, 1500])
    nested = rng.choice(["[" * depth + "]" * depth, "{a: " * depth + "1" + "}" * depth])
    if rng.random() < 0.5:  # block style: one more indentation per level
        nested = "\n".join("  " * d + f"k{d}:" for d in range(depth)) + " 1"
    return _replace_value(rng, lines, [nested]) if rng.random() < 0.7 else lines + nested.split("\n")


@_on_text
def unicode_oddities(rng: random.Random, lines: list[str]) -> list[str]:
    for _ in range(rng.randint(1, 5)):
        n = rng.randrange(len(lines))
        at = rng.randrange(len(lines[n]) + 1)
        lines[n] = lines[n][:at] + rng.choice(UNICODE) * rng.randint(1, 3) + lines[n][at:]
    return lines


@_on_text
def foreign_line(rng: random.Random, lines: list[str]) -> list[str]:
    """A line from another input: a table row in a record, a record field in a table."""
    other = _lines(rng.choice(RECORDS + TABLES).read_text(encoding="utf-8"))
    lines.insert(rng.randrange(len(lines) + 1), rng.choice(other))
    return lines


def reencode(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", errors="replace")
    encoding = rng.choice(["gbk", "utf-16", "utf-16-le", "utf-8-sig", "gb18030", "big5", "latin-1"])
    return text.encode(encoding, errors="replace")


def long_line(rng: random.Random, data: bytes) -> bytes:
    return data + b"\n" + rng.choice([b"a", "中".encode(), b"\t", b"x: "]) * rng.choice([10_000, 200_000])


# --- mutations of the parsed YAML: the file stays valid YAML, so they reach the checks behind the parser -----

HOSTILE = [
    D("NaN"),
    D("Infinity"),
    D("-Infinity"),
    D("1e26"),
    D("-1e30"),
    D("1E+999999"),
    D("1E-999999"),
    D("0"),
    D("-1"),
    D("100.005"),
    10**40,
    0,
    -7,
    True,
    None,
    "",
    "   ",
    "九",
    "十二点五",
    '=HYPERLINK("http://x")',
    "$\\frac{1}$",
    "<script>alert(1)</script>",
    "\x1b]0;title\x07",
    "summary.html",
    "../../etc",
    "a" * 5000,
    [],
    {},
    [None],
    {"": 1},
    "2026-02-30",
    "gz-dept-overall-2022",
    "rescale",
    "full_marks",
    "dismissed",
    "accepted",
    "judgement",
    "tiers",
]


def _nodes(data: object, loc: tuple = ()) -> list[tuple]:
    """Every path into the data (keys and list positions), the root first."""
    out, stack = [], [(data, loc)]
    while stack:
        node, at = stack.pop()
        out.append(at)
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        stack.extend((value, at + (key,)) for key, value in items)
    return out


def _parent(data: object, loc: tuple) -> object:
    for part in loc[:-1]:
        data = data[part]  # type: ignore[index]
    return data


def _change_tree(rng: random.Random, data: dict) -> None:
    locs = _nodes(data)[1:]
    keys = sorted({loc[-1] for loc in locs if isinstance(loc[-1], str)})
    for _ in range(rng.randint(1, 4)):
        locs = _nodes(data)[1:]
        if not locs:
            return
        numbers = [at for at in locs if isinstance(_parent(data, at + ("",)), (int, D))]
        if numbers and rng.random() < 0.5:  # a number changed to another plausible one: most cases still score
            at = rng.choice(numbers)
            _parent(data, at)[at[-1]] = rng.choice([D(0), D(1), D("0.5"), D("99.99"), D(rng.randint(0, 120))])
            continue
        loc = rng.choice(locs)
        parent, last = _parent(data, loc), loc[-1]
        op = rng.randrange(6)
        if op == 0:
            parent[last] = rng.choice(HOSTILE)
        elif op == 1:
            del parent[last]
        elif op == 2 and isinstance(parent, list):
            parent.insert(rng.randrange(len(parent) + 1), parent[last])
        elif op == 3 and isinstance(parent, dict) and keys:
            parent[rng.choice(keys)] = parent.pop(last)  # a key renamed to another of the file's keys
        elif op == 4:
            parent[last] = copy.deepcopy(_parent(data, rng.choice(locs) + ("",)))  # a value where another belongs
        else:
            parent[last] = {"type": rng.choice(HOSTILE[-2:]), rng.choice(keys or ["x"]): rng.choice(HOSTILE)}


def change_tree(rng: random.Random, data: bytes) -> bytes:
    try:
        parsed = yaml.load(data.decode("utf-8-sig"), Loader=DecimalLoader)
    except (yaml.YAMLError, UnicodeDecodeError, ValueError, ArithmeticError):
        return data
    if not isinstance(parsed, dict):
        return data
    try:  # the copy and the dump recurse: data nested deeper than this test's stack allows is left as it is
        parsed = copy.deepcopy(parsed)
        _change_tree(rng, parsed)
        return dump_yaml(parsed).encode("utf-8")
    except RecursionError:
        return data


MUTATIONS = [
    flip_bytes,
    truncate,
    empty,
    delete_lines,
    duplicate_lines,
    swap_lines,
    swap_columns,
    huge_numbers,
    odd_numbers,
    wrong_types,
    deep_nesting,
    unicode_oddities,
    foreign_line,
    reencode,
    long_line,
]


def mutated(rng: random.Random, data: bytes, kind: str) -> tuple[bytes, list[str]]:
    """The data after one to three mutations, and their names. YAML inputs are changed mostly as parsed data,
    so that most cases get past the parser to the checks behind it."""
    names = []
    for _ in range(rng.choice([1, 1, 2, 3])):
        mutation = change_tree if kind != "table" and rng.random() < 0.6 else rng.choice(MUTATIONS)
        data = mutation(rng, data)
        names.append(mutation.__name__)
    return data, names


# --- running one case ---------------------------------------------------------------------------------


class Hang(BaseException):
    """A case ran past CASE_SECONDS (a BaseException: the CLI's own handler must not turn it into exit 3)."""


def _alarm(signum: int, frame: object) -> None:
    raise Hang


def cli(*argv: str) -> tuple[int | str, str]:
    """(exit code or "hang", stdout + stderr) of one in-process CLI call, bounded in time."""
    out = io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, CASE_SECONDS)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code: int | str = main(list(argv))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    except Hang:
        code = "hang"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return code, out.getvalue()


def _bad(code: int | str, output: str) -> bool:
    return code not in (0, 1, 2) or "Traceback" in output or "内部错误" in output


def _place(kind: str, rng: random.Random, folder: Path) -> tuple[Path, Path, list[str]]:
    """Write one mutated input into folder: (the file mutated, the file to score or import, mutations)."""
    if kind == "record":
        source = rng.choice(RECORDS)
        target = folder / source.name
    elif kind == "rubric":  # a record naming a rubric file beside it: the rubric is mutated
        shutil.copyfile(FIXTURES / "four-groups-record.yaml", folder / "four-groups-record.yaml")
        source = FIXTURES / "four-groups-rubric.yaml"
        target = folder / source.name
    elif kind == "review":
        shutil.copyfile(ROOT / "params" / "huangpu-zwsj-2022.yaml", folder / "huangpu-zwsj-2022.yaml")
        source, target = folder / "huangpu-zwsj-2022.review.yaml", folder / "huangpu-zwsj-2022.review.yaml"
        source.write_text(REVIEW, encoding="utf-8")
    else:
        source = rng.choice(TABLES)
        target = folder / source.name
    data, names = mutated(rng, source.read_bytes(), kind)
    target.write_bytes(data)
    scored = {"rubric": folder / "four-groups-record.yaml", "review": folder / "huangpu-zwsj-2022.yaml"}
    return source, scored.get(kind, target), names


def _what_went_wrong(output: str) -> str:
    lines = output.strip().splitlines() or [""]
    return next((line for line in lines if "内部错误" in line or "Traceback" in line), lines[-1])[:300]


def run_case(kind: str, n: int, folder: Path) -> str | None:
    """One case; None when it ended well, else what went wrong and how to run it again."""
    rng = random.Random(f"{SEED}:{kind}:{n}")
    source, path, names = _place(kind, rng, folder)
    out = folder / "out"
    first = ("score", str(path), *rng.choice([(), ("--json",), ("--strict",)]))
    if kind == "table":
        first = ("import", str(path), "-o", str(out), "--force", "--code", "fuzz")
    calls = [first]
    while calls:
        argv = calls.pop(0)
        code, output = cli(*argv)
        if _bad(code, output):
            case = f"{kind}:{n} ({source.name}, {'+'.join(names)})"
            return f"{case}: {argv[0]} {Path(argv[1]).name} -> {code}: {_what_went_wrong(output)}"
        if argv[0] == "import":  # what `import` wrote must score too (a 31-digit score once crashed `score`)
            calls = [("score", str(written), "--json") for written in sorted(out.glob("*.yaml"))]
    return None


@pytest.mark.parametrize("kind", list(CASES))
def test_mutated_inputs_end_in_exit_0_1_or_2_without_traceback_or_hang(kind, tmp_path):
    wanted = ONLY.split(":") if ONLY else []
    if wanted and wanted[0] != kind:
        pytest.skip(f"AUDIT_FUZZ_CASE={ONLY}")
    numbers = [int(wanted[1])] if wanted else range(CASES[kind])
    failures = []
    for n in numbers:
        folder = tmp_path / str(n)
        folder.mkdir()
        failure = run_case(kind, n, folder)
        if failure is not None:
            failures.append(failure)
        shutil.rmtree(folder)
    assert not failures, f"{len(failures)} of {len(numbers)} cases failed:\n" + "\n".join(failures[:40])
