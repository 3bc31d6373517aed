"""Hostile but fair inputs: an alias bomb, NaN, markup in a rubric's id, huge numbers, codes and years that
would name impossible or taken folders, two records of one department. Each is an input error (exit 2, with
file, line and field) or a failure of that department alone; none crashes scoring or the batch."""

from __future__ import annotations

import time
from decimal import Decimal as D
from pathlib import Path

import nbformat
import pytest
import yaml

from toolkit.batch.notebook import Status
from toolkit.batch.runner import plan
from toolkit.cli import main
from toolkit.core.problems import InputError
from toolkit.core.record import load_record
from toolkit.core.rubric import load_rubric, parse_rubric
from toolkit.core.scoring import score
from toolkit.core.yamlio import dump_yaml, line_index, read_yaml
from toolkit.report.publish import render_html
from toolkit.review.files import load_review

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "params" / "huangpu-zwsj-2022.yaml"
SEED_TEXT = SEED.read_text(encoding="utf-8")
RUBRIC = ROOT / "toolkit" / "rubrics" / "gz-dept-overall-2022.yaml"

# Nine levels of nine aliases each: 9^9 (387 million) strings from nine lines once expanded.
BOMB = "\n".join(
    ['lol0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    + [f"lol{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
)


def _messages(caught: pytest.ExceptionInfo[InputError]) -> dict[str, str]:
    return {p.field: p.message for p in caught.value.problems}


@pytest.fixture
def write(tmp_path):
    def make(text: str, name: str = "dept.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return make


# --- 1. the alias bomb ----------------------------------------------------------------------------------


@pytest.mark.parametrize("base", [SEED_TEXT, RUBRIC.read_text(encoding="utf-8")], ids=["record", "rubric"])
def test_alias_bomb_is_refused_with_its_line_before_it_expands(write, base):
    path = write(base + "\n" + BOMB + "\n")
    bomb_line = base.count("\n") + 3  # lol1, the first line with an alias
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        read_yaml(path, "部门自评记录")
    assert time.perf_counter() - started < 2
    [problem] = caught.value.problems
    assert problem.line == bomb_line and "不支持 YAML 别名 *a0" in problem.message and "第" in problem.message


def test_alias_bomb_in_a_record_exits_2_with_one_line(write, capsys):
    path = write(SEED_TEXT + BOMB + "\n")
    assert main(["score", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "不支持 YAML 别名" in err[0] and f"{path.name}:" in err[0]


def test_line_index_refuses_aliases_rather_than_following_them(write):
    with pytest.raises(yaml.YAMLError):
        line_index(write(BOMB + "\n"))


def test_an_alias_in_a_review_is_refused(write):
    record = load_record(SEED)
    review = write("reviewer: &who 审核人\ndate: 2026-12-01\nnote: *who\n", "dept.review.yaml")
    with pytest.raises(InputError) as caught:
        load_review(review, record, score(record))
    assert "不支持 YAML 别名 *who" in str(caught.value)


def test_anchors_and_stars_without_aliases_still_read(write):
    path = write("a: &x 1\nb: 3*4 = 12\nc: '*x'\n")
    assert read_yaml(path, "记录") == {"a": 1, "b": "3*4 = 12", "c": "*x"}


def test_data_sharing_a_list_is_dumped_without_aliases_and_reads_back(write):
    shared = ["一", "二"]
    text = dump_yaml({"goals": shared, "completions": shared})
    assert "&" not in text and "*" not in text
    assert read_yaml(write(text), "记录") == {"goals": shared, "completions": shared}


# --- 2. NaN and infinities ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "old, new, field, text",
    [
        ("rate: 98.88", "rate: .nan", "indicators.部门预算资金支出率.evidence.rate", "数字"),
        ("rate: 98.88", "rate: .inf", "indicators.部门预算资金支出率.evidence.rate", "数字"),
        ("total: 11\n", "total: .nan\n", "indicators.合同备案时效性.evidence.total", "数字"),
        ("failed: 2\n", "failed: -.inf\n", "indicators.合同备案时效性.evidence.failed", "整数"),
        ("self_score: 19\n", "self_score: .nan\n", "indicators.部门整体绩效目标产出指标完成情况.self_score", "有限"),
        ("stated_total: 94.2", "stated_total: .inf", "stated_total", "有限"),
        ("  total: 11887.73", "  total: .NaN", "budget.total", "有限"),
    ],
)
def test_nan_or_infinity_anywhere_is_an_input_error_naming_the_field(write, old, new, field, text):
    assert old in SEED_TEXT
    with pytest.raises(InputError) as caught:
        load_record(write(SEED_TEXT.replace(old, new, 1)))
    found = _messages(caught)
    assert text in found.get(field, ""), found
    assert all(p.line for p in caught.value.problems)


def test_nan_in_evidence_exits_2_not_3(write, capsys):
    assert main(["score", str(write(SEED_TEXT.replace("rate: 98.88", "rate: .nan")))]) == 2
    assert "evidence.rate" in capsys.readouterr().err


# --- 3. markup in a rubric's id or version --------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [
        ("id", "<script>alert(1)</script>"),
        ("id", "a" * 65),
        ("id", "-leading-dash"),
        ("version", '2022"><img src=x onerror=alert(1)>'),
        ("version", "1" * 33),
    ],
)
def test_rubric_id_and_version_must_be_plain_names(field, value):
    data = read_yaml(RUBRIC, "评价指标体系")
    data[field] = value  # type: ignore[index]
    with pytest.raises(InputError) as caught:
        parse_rubric(data, "hostile-rubric.yaml")
    assert field in _messages(caught)


def test_shipped_rubrics_keep_validating():
    for path in sorted((ROOT / "toolkit" / "rubrics").glob("*.yaml")):
        assert load_rubric(path).id == path.stem


FOOTER = {
    "title": "<b>标题</b>",
    "rubric": "<script>alert('rubric')</script>",
    "rubric_version": "<script>alert('version')</script>",
    "toolkit_version": "<i>0.1</i>",
    "git_commit": "<script>x</script>",
    "record_sha256": "<script>sha</script>",
    "record_label": "<u>记录文件</u>",
    "generated_at": "<script>when</script>",
}


def test_report_footer_escapes_everything_it_prints():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("正文")])
    page = render_html(nb, FOOTER)
    assert "<script" not in page.lower() and "<i>" not in page and "<u>" not in page
    assert "&lt;script&gt;alert(" in page and "&lt;u&gt;记录文件&lt;/u&gt;" in page


# --- 7. codes and years that cannot name a folder -------------------------------------------------------


@pytest.mark.parametrize(
    "old, new, field, text",
    [
        ("code: huangpu-zwsj", "code: summary.html", "department.code", "summary"),
        ("code: huangpu-zwsj", "code: Summary-departments.csv", "department.code", "summary"),
        ("code: huangpu-zwsj", "code: summary", "department.code", "summary"),
        ("code: huangpu-zwsj", "code: " + "a" * 300, "department.code", "过长"),
        ("code: huangpu-zwsj", "code: ../escape", "department.code", "只能含"),
        ("year: 2022", "year: " + "2" * 300, "year", "应不大于 2100"),
    ],
)
def test_codes_and_years_that_cannot_name_a_folder_are_input_errors(write, old, new, field, text):
    with pytest.raises(InputError) as caught:
        load_record(write(SEED_TEXT.replace(old, new, 1)))
    assert text in _messages(caught).get(field, ""), _messages(caught)


def test_a_code_of_64_characters_is_still_accepted(write):
    code = "a" * 64
    assert load_record(write(SEED_TEXT.replace("code: huangpu-zwsj", f"code: {code}"))).department.code == code


@pytest.mark.parametrize(
    "old, new",
    [("year: 2022", "year: " + "2" * 300), ("code: huangpu-zwsj", "code: " + "a" * 300)],
    ids=["300-digit year", "300-character code"],
)
def test_a_record_that_cannot_name_a_folder_fails_in_the_invalid_folder(tmp_path, old, new):
    params = tmp_path / "params"
    params.mkdir()
    (params / "long.yaml").write_text(SEED_TEXT.replace(old, new, 1), encoding="utf-8")
    [job] = plan([params / "long.yaml"], tmp_path / "out", force=False).jobs
    assert job.fingerprint is None and job.out_dir == tmp_path / "out" / "invalid" / "long"


def test_import_of_a_301_character_code_exits_2(tmp_path, capsys):
    table = ROOT / "tests" / "fixtures" / "import" / "000_0ab128b708fd7b30.txt"
    assert main(["import", str(table), "-o", str(tmp_path), "--code", "a" * 301]) == 2
    assert "过长" in capsys.readouterr().err and not list(tmp_path.iterdir())


# --- 8. numbers past the decimal context ----------------------------------------------------------------


SELF_SCORE = "indicators.部门整体绩效目标产出指标完成情况.self_score"


@pytest.mark.parametrize(
    "old, new, field",
    [
        ("self_score: 19\n", "self_score: 1e26\n", SELF_SCORE),
        ("self_score: 19\n", "self_score: " + "9" * 31 + "\n", SELF_SCORE),
        ("stated_total: 94.2", "stated_total: 1e30", "stated_total"),
        ("  total: 11887.73", "  total: 1e26", "budget.total"),
        ("rate: 98.88", "rate: 1e26", "indicators.部门预算资金支出率.evidence.rate"),
        ("total: 11\n", "total: " + "1" * 40 + "\n", "indicators.合同备案时效性.evidence.total"),
    ],
)
def test_numbers_past_any_real_table_are_input_errors(write, capsys, old, new, field):
    path = write(SEED_TEXT.replace(old, new, 1))
    with pytest.raises(InputError) as caught:
        load_record(path)
    assert field in _messages(caught), _messages(caught)
    assert main(["score", str(path)]) == 2


def test_largest_accepted_amount_still_scores(write, capsys):
    # A budget of 10^9 万元 is accepted and scored (its components no longer add up: a finding, not a crash).
    text = SEED_TEXT.replace("  total: 11887.73", "  total: 1000000000", 1)
    assert main(["score", str(write(text))]) == 0


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["tree"][0].update(weight=D("1e26")),
        lambda d: d.update(total_weight=D("1e30")),
        lambda d: d["grades"][0].update(min=D("1e26")),
        lambda d: d["tolerance"].update(score=D("1e26")),
    ],
    ids=["weight", "total_weight", "grade min", "tolerance"],
)
def test_rubric_numbers_past_the_decimal_context_are_input_errors(change):
    data = read_yaml(RUBRIC, "评价指标体系")
    change(data)
    with pytest.raises(InputError):
        parse_rubric(data, "hostile-rubric.yaml")


def test_import_of_a_31_digit_score_writes_nothing(tmp_path, capsys):
    source = (ROOT / "tests" / "fixtures" / "import" / "four-groups-2023.csv").read_text(encoding="utf-8")
    table = tmp_path / "big.csv"
    table.write_text(source.replace(",,预算配置,10,,8,,", ",,预算配置,10,," + "1" * 31 + ",,"), encoding="utf-8")
    out = tmp_path / "params"
    out.mkdir()
    rubric = ROOT / "tests" / "fixtures" / "four-groups-rubric.yaml"
    assert main(["import", str(table), "-o", str(out), "--rubric", str(rubric), "--code", "x"]) == 2
    assert "应不大于 1000" in capsys.readouterr().err and not list(out.iterdir())


# --- 6. two records of one department and year ----------------------------------------------------------


def test_two_records_of_one_department_and_year_both_fail_naming_each_other(tmp_path):
    params = tmp_path / "params"
    params.mkdir()
    for name in ("a.yaml", "b.yaml"):
        (params / name).write_text(SEED_TEXT, encoding="utf-8")
    other = SEED_TEXT.replace("code: huangpu-zwsj", "code: other-dept")
    (params / "c.yaml").write_text(other, encoding="utf-8")
    work = plan(sorted(params.glob("*.yaml")), tmp_path / "out", force=False)
    failed = {Path(o.record_path).name: o for o in work.known}
    assert set(failed) == {"a.yaml", "b.yaml"} and all(o.status is Status.FAILED for o in failed.values())
    assert "重复的部门代码和年度" in failed["a.yaml"].message and "b.yaml" in failed["a.yaml"].message
    assert "a.yaml" in failed["b.yaml"].message and failed["a.yaml"].code == "huangpu-zwsj"
    assert [j.record_path.name for j in work.jobs] == ["c.yaml"]


def test_a_broken_record_claiming_a_good_departments_folder_fails_elsewhere(tmp_path):
    params = tmp_path / "params"
    params.mkdir()
    (params / "good.yaml").write_text(SEED_TEXT, encoding="utf-8")
    (params / "broken.yaml").write_text(SEED_TEXT.replace("self_score: 19\n", "self_score: 九\n"), encoding="utf-8")
    out = tmp_path / "out"
    work = plan(sorted(params.glob("*.yaml")), out, force=False)
    folders = {j.record_path.name: j.out_dir for j in work.jobs}
    assert folders == {"good.yaml": out / "2022" / "huangpu-zwsj", "broken.yaml": out / "invalid" / "broken"}
