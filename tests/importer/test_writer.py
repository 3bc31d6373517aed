"""Writing imported records: readable YAML that loads back equal, atomic replacement, no overwrite."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml
from test_sources import SEED_TABLE

from toolkit.core.problems import InputError
from toolkit.core.record import load_record
from toolkit.core.yamlio import DecimalLoader
from toolkit.importer import default_name, dump, import_file, write


@pytest.fixture(scope="module")
def imported():
    return import_file(SEED_TABLE, "gz-dept-overall-2022", code="huangpu-zwsj")


def test_yaml_is_human_readable_with_numbers_as_numbers(imported):
    text = dump(imported)
    assert text.startswith("# 广州市黄埔区政务服务数据管理局")
    assert "name: 广州市黄埔区政务服务数据管理局（广州开发区行政审批局）" in text  # not \u escapes
    assert "  total: 11887.73\n" in text and "self_score: 17.5\n" in text and "专项资金: 0.00\n" in text
    assert "stated_total: 94.2\n" in text


def test_written_record_loads_back_to_the_same_data(tmp_path, imported):
    path = write(imported, tmp_path / default_name(imported))
    assert path.name == "huangpu-zwsj-2022.yaml"
    assert load_record(path).data == imported.record.data
    assert yaml.load(path.read_text(encoding="utf-8"), Loader=DecimalLoader)["indicators"]["部门预算资金支出率"][
        "evidence"
    ]["rate"] == Decimal("98.88")


def test_refuses_to_overwrite_unless_forced(tmp_path, imported):
    target = tmp_path / "r.yaml"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(InputError, match="输出文件已存在"):
        write(imported, target)
    assert target.read_text(encoding="utf-8") == "old\n"
    write(imported, target, force=True)
    assert load_record(target).department.code == "huangpu-zwsj"


def test_a_record_that_fails_validation_never_replaces_the_old_one(tmp_path, imported, monkeypatch):
    target = tmp_path / "r.yaml"
    target.write_text("old\n", encoding="utf-8")
    monkeypatch.setattr("toolkit.importer.writer.dump", lambda _: "schema: broken\n")
    with pytest.raises(InputError, match="写出的记录无法通过校验"):
        write(imported, target, force=True)
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.yaml"]  # the temporary file is gone
