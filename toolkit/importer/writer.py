"""Writing an imported record: human-readable YAML, checked by loading it back, replacing atomically."""

from __future__ import annotations

import os
import tempfile
from decimal import Decimal
from pathlib import Path

import yaml

from toolkit.core.problems import InputError, Problem, display_path
from toolkit.core.record import load_record
from toolkit.importer.convert import Imported

HEADER = "# {title}\n# 由 audit-toolkit import 自动导入；各指标的 source 说明写明原表行号与所作修复，请核对后使用。\n"


class _Dumper(yaml.SafeDumper):
    pass


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    # Scores and amounts are written as numbers, exactly as read (2 -> 2, 17.5 -> 17.5, 0.00 -> 0.00).
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return dumper.represent_int(int(value))
    return dumper.represent_scalar("tag:yaml.org,2002:float", format(value, "f"))


_Dumper.add_representer(Decimal, _represent_decimal)


def dump(imported: Imported) -> str:
    """The record as YAML text, with a comment header naming the source."""
    title = f"{imported.data['department']['name']} {imported.data['year']} 年度部门整体支出绩效自评（导入自 {imported.source.name}）"
    body = yaml.dump(
        imported.data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120, default_flow_style=False
    )
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
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise InputError([Problem(shown, "", f"无法写入输出文件夹：{exc.strerror}")]) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(dump(imported))
            handle.flush()
            os.fsync(handle.fileno())
        load_record(tmp, imported.record.rubric)  # what was written must load back as a valid record
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except InputError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(
            [Problem(shown, p.field, f"写出的记录无法通过校验：{p.message}", p.line) for p in exc.problems]
        ) from None
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError([Problem(shown, "", f"无法写入输出文件：{exc.strerror}")]) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
