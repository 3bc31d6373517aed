"""The `import` command's work: many files in, one record each out, and what became of every file."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from rich.console import Console

from toolkit.core.problems import InputError, Problem, display_path
from toolkit.core.rubric import Rubric
from toolkit.importer.convert import Imported, import_tables
from toolkit.importer.sheet_record import is_score_sheet_rubric
from toolkit.importer.writer import default_name, write
from toolkit.report.console import import_table

_RECORD_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Outcome:
    source: Path
    status: Literal["imported", "failed"]
    output: Path | None = None
    imported: Imported | None = None
    problems: tuple[Problem, ...] = ()


def expand(inputs: list[str]) -> list[Path]:
    """Files named, and the visible files directly inside folders named, in a stable order."""
    files: list[Path] = []
    for text in inputs:
        path = Path(text)
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        else:
            files.append(path)  # a missing file is reported by the reader, in its turn
    return files


def _targets(files: list[Path], output: Path, code: str | None, name: str | None = None) -> Path | None:
    """The single output file when `output` names one; checks that the options fit the inputs."""
    single = output.suffix in _RECORD_SUFFIXES and not output.is_dir()
    if single and len(files) != 1:
        raise InputError(
            [Problem(display_path(output), "", f"输入有 {len(files)} 个文件，输出应为文件夹而不是单个 .yaml 文件")]
        )
    for option, value in (("--code", code), ("--name", name)):
        if value is not None and len(files) != 1:
            message = f"{option} 只能用于导入单个文件（本次 {len(files)} 个）；多个文件的部门代码和名称取自各自的文件"
            raise InputError([Problem(option, "", message)])
    return output if single else None


def import_all(
    inputs: list[str],
    output: Path,
    rubric: Rubric | None = None,
    code: str | None = None,
    year: int | None = None,
    force: bool = False,
    name: str | None = None,
    rubric_file: Path | None = None,
) -> list[Outcome]:
    """Import every input (under `rubric`, or each under the rubric or frame of its family when None); a bad
    file is an outcome with its problems, never a stop for the others; a file of several tables gives one
    outcome per record. A record of a score-sheet rubric read from `rubric_file` names that file (relative to
    the record), so that `score` and `run` find it."""
    files = expand(inputs)
    if not files:
        raise InputError([Problem(" ".join(inputs), "", "没有可导入的文件")])
    single = _targets(files, output, code, name)
    written: dict[Path, Path] = {}
    outcomes: list[Outcome] = []
    for source in files:
        try:
            for imported in import_tables(source, rubric, code, year, name):
                outcomes.append(_write_one(imported, single, output, written, force, rubric_file))
        except InputError as exc:
            outcomes.append(Outcome(source, "failed", problems=exc.problems))
    return outcomes


def _write_one(
    imported: Imported,
    single: Path | None,
    output: Path,
    written: dict[Path, Path],
    force: bool,
    rubric_file: Path | None = None,
) -> Outcome:
    """Write one imported record, refusing a second record of the same name in one run."""
    source = imported.source
    target = single or output / default_name(imported)
    if rubric_file is not None and is_score_sheet_rubric(imported.record.rubric):
        named = os.path.relpath(rubric_file.resolve(), target.parent.resolve())
        imported = replace(imported, data={**imported.data, "rubric": Path(named).as_posix()})
    if target.resolve() in written:
        raise InputError(
            [
                Problem(
                    display_path(source),
                    "",
                    f"输出文件 {display_path(target)} 与本次导入的 "
                    f"{display_path(written[target.resolve()])} 同名（部门代码与年度相同），"
                    "未写出；请用 --code 区分",
                )
            ]
        )
    write(imported, target, force)
    written[target.resolve()] = source
    return Outcome(source, "imported", target, imported)


def exit_code(outcomes: list[Outcome]) -> int:
    """0 every file imported, 1 some failed, 2 none usable."""
    done = sum(1 for o in outcomes if o.status == "imported")
    return 0 if done == len(outcomes) else (1 if done else 2)


def report(outcomes: list[Outcome], console: Console, errors: Console, quiet: bool = False) -> None:
    """Each problem as one line on stderr; the repairs of each imported file; then the summary table."""
    for outcome in outcomes:
        for problem in outcome.problems:
            errors.print(f"错误：{problem}", soft_wrap=True, markup=False, highlight=False)
        if outcome.imported is not None and not quiet:
            repairs = outcome.imported.repairs
            console.print(f"{display_path(outcome.source)}：修复 {len(repairs)} 处", markup=False, highlight=False)
            for repair in repairs:
                console.print(f"  {repair}", soft_wrap=True, markup=False, highlight=False)
    import_table(outcomes, console)
    done = sum(1 for o in outcomes if o.status == "imported")
    console.print(f"共 {len(outcomes)} 个文件：导入 {done} 个，失败 {len(outcomes) - done} 个。", highlight=False)
