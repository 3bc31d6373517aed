"""Writing an imported record: human-readable YAML, checked by loading it back, replacing atomically."""

from __future__ import annotations

from pathlib import Path

from toolkit.core.atomic import write_bytes
from toolkit.core.problems import InputError, Problem, display_path
from toolkit.core.record import load_record
from toolkit.core.yamlio import dump_yaml
from toolkit.importer.convert import Imported

HEADER = "# {title}\n# 由 audit-toolkit import 自动导入；各指标的 source 说明写明原表行号与所作修复，请核对后使用。\n"


def dump(imported: Imported) -> str:
    """The record as YAML text, with a comment header naming the source."""
    data = imported.data
    form = "项目支出绩效自评" if data.get("kind") == "project" else "部门整体支出绩效自评"
    title = f"{data['department']['name']} {data['year']} 年度{form}（导入自 {imported.source.name}）"
    body = dump_yaml(data)
    return HEADER.format(title=title) + body


def default_name(imported: Imported) -> str:
    return f"{imported.code}-{imported.year}.yaml"


def write(imported: Imported, target: Path, force: bool = False) -> Path:
    """Write to target through a temporary file in the same folder; the file is loaded and validated
    before it replaces anything, so a good record is never replaced by a half-written or invalid one."""
    shown = display_path(target)
    if target.exists() and not force:
        raise InputError([Problem(shown, "", "输出文件已存在，未覆盖（确需覆盖请加 --force）")])
    if target.exists() and target.is_dir():
        raise InputError([Problem(shown, "", "输出路径是文件夹，应为 .yaml 文件")])
    try:
        # What was written must load back as a valid record before it replaces anything.
        # Under a frame the record's rows are bound anew on loading: check against the frame, not the bound rubric.
        rubric = imported.record.rubric.frame or imported.record.rubric
        write_bytes(target, dump(imported).encode("utf-8"), check=lambda tmp: load_record(tmp, rubric))
    except InputError as exc:
        raise InputError(
            [Problem(shown, p.field, f"写出的记录无法通过校验：{p.message}", p.line) for p in exc.problems]
        ) from None
    except OSError as exc:
        raise InputError([Problem(shown, "", f"无法写入输出文件：{exc.strerror}")]) from None
    return target
