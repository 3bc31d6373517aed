"""`rubric infer`: a rubric read off a region's own score sheet (the real tables 10, 12 and 14), and `rubric diff`."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from toolkit.cli import main
from toolkit.core.problems import InputError
from toolkit.core.rubric import PLACEHOLDER_LABEL, Node, load_rubric, parse_rubric
from toolkit.core.rules import Checklist, Judgement, PerCaseDeduction, PerUnitDeduction, Proportional, Tiers
from toolkit.importer.rubric_diff import ChangeKind, diff_rubrics
from toolkit.importer.rubric_sheet import infer_rubric, summary_lines
from toolkit.importer.sheet_tree import split_weight
from toolkit.importer.standards import recognise

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REAL = FIXTURES / "real"
T10 = REAL / "10_sichuan-dazhou-nyj-dept-overall-rubric-template.tsv"
T12 = REAL / "12_unnamed-dept-overall-rubric-with-evidence-2018.tsv"
T14 = REAL / "14_guangdong-zhanjiang-self-evaluation-quality-rubric.tsv"
BAD = FIXTURES / "rubric-sheets" / "weights-do-not-add-up.tsv"
D = Decimal


def weights(nodes: tuple[Node, ...]) -> list:
    """The tree as (label, weight, children) with weights as ints where whole: what the sheets print."""
    return [(n.label, n.weight, weights(n.children)) if n.children else (n.label, n.weight) for n in nodes]


def node(nodes: tuple[Node, ...], *path: str) -> Node:
    found = next(n for n in nodes if n.id == path[0])
    return node(found.children, *path[1:]) if len(path) > 1 else found


def mismatches(inferred) -> list[tuple]:
    return [(m.row, m.level, m.label, m.stated, m.summed) for m in inferred.mismatches]


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# --- the tree and its weights -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "name", "weight"),
    [
        ("部门决策(25分)", "部门决策", 25),
        ("投入（15分）", "投入", 15),
        ("目标设定(5分)", "目标设定", 5),
        ("相关性(5 分)", "相关性", 5),
        ("(特性指标70分)", "特性指标", 70),
        ("(20)", None, 20),
        ("(10分)", None, 10),
        ("重点改革(重点工作)完成情况(5分)", "重点改革(重点工作)完成情况", 5),
        ("经济效益(可选项)", "经济效益(可选项)", None),
        ("部门特性指标", "部门特性指标", None),
    ],
)
def test_a_weight_printed_into_a_name_is_read_off_it(cell, name, weight):
    assert split_weight(cell) == (name, None if weight is None else D(weight))


def test_sheet_10_department_tree_adds_up_level_by_level():
    inferred = infer_rubric(T10)
    tree = inferred.rubric.tree
    assert inferred.complete and inferred.mismatches == ()
    assert [(n.label, n.weight) for n in tree] == [("部门决策", 25), ("综合管理", 30), ("部门绩效情况", 45)]
    assert weights(node(tree, "部门决策").children) == [
        ("目标任务", 15, [("相关性", 5), ("明确性", 5), ("合理性", 5)]),
        ("预算编制", 10, [("测算依据", 5), ("目标管理", 5)]),
    ]
    assert [c.weight for c in node(tree, "综合管理").children] == [2, 2, 5, 2, 6, 2, 6, 5]
    assert [(c.label, c.weight) for c in node(tree, "部门绩效情况").children] == [
        ("履职成效", 20),
        ("可持续发展能力", 15),
        ("满意度", 10),
    ]
    assert inferred.rubric.total_weight == 100 and len(inferred.rubric.indicators) == 27
    assert node(tree, "综合管理", "内控制度管理", "内部控度健全完整").weight == 2  # the typo kept as printed
    assert {i.rule.type for i in inferred.rubric.indicators} == {"judgement"}  # the sheet prints no standards


def test_department_specific_rows_make_an_open_group_and_a_target_family():
    inferred = infer_rubric(T10)
    group = node(inferred.rubric.tree, "部门绩效情况", "履职成效")
    assert group.children == () and group.weight == 20
    assert group.open is not None and group.open.levels == ()  # the indicators stand where the marker row does
    assert group.leaf_rule == Judgement(type="judgement")
    assert "部门特性指标" in (group.explanation or "") and "第 23–26 行" in (group.explanation or "")
    decl = inferred.rubric.declaration
    assert (decl.family, decl.requires, decl.kind) == ("target", (), "department")


def test_sheet_10_project_sheet_without_level_names_lists_its_cut_level():
    inferred = infer_rubric(T10, sheet=2)
    assert inferred.sheets == ((1, 32), (34, 47)) and inferred.sheet == 2
    assert mismatches(inferred) == [(46, "二级指标", "（未列名称）", 50, 40), (47, "三级指标", "社会", None, None)]
    tree = inferred.rubric.tree
    assert [n.label for n in tree] == [PLACEHOLDER_LABEL, PLACEHOLDER_LABEL, "特性指标"]
    assert [n.weight for n in tree] == [20, 10, 60]  # 特性指标 70 printed, 20 + 40 visible
    assert weights(tree[0].children) == [
        (PLACEHOLDER_LABEL, 10, [("必要性", 5), ("可行性", 5)]),
        (PLACEHOLDER_LABEL, 10, [("明确性", 5), ("合理性", 5)]),
    ]
    assert [c.weight for c in tree[2].children[0].children] == [5, 5, 5, 5]
    assert "原表标明 70.00 分" in (tree[2].explanation or "")
    decl = inferred.rubric.declaration
    assert decl.kind == "project" and decl.title.endswith("（不完整）")


def test_sheet_12_weights_stand_in_the_score_columns_beside_each_level():
    inferred = infer_rubric(T12)
    assert mismatches(inferred) == [(25, "一级指标", "过程", 58, 16), (None, "总分", "合计", 100, 74)]
    assert weights(inferred.rubric.tree) == [
        ("投入", 16, [("预算配置", 16, [("在职人员控制率", 8), ("三公经费 变动率", 8)])]),
        ("过程", 16, [("预算执行", 16, [("预算完成率", 8), ("预算控制率", 8)])]),
    ]
    assert "原表标明 58.00 分，可见下级合计 16.00 分" in (node(inferred.rubric.tree, "过程").explanation or "")
    # README, table 12: the weight and score labels are mixed up; said at infer time and kept in the rubric.
    [note] = inferred.notes
    assert note.startswith("第 22 行表头把各级指标的分值写在标为“得分”的栏中（分值与得分的栏名混用）")
    assert note in (inferred.rubric.declaration.source or "") and f"{note}。" in summary_lines(inferred)
    assert infer_rubric(T14).notes == () and infer_rubric(T10).notes == ()  # their weights are headed 分值


def test_sheet_12_rules_come_from_its_standards_with_their_parameters():
    rubric = infer_rubric(T12).rubric
    staff, three, done, control = (
        rubric.indicator(i).rule for i in ("在职人员控制率", "三公经费变动率", "预算完成率", "预算控制率")
    )
    assert isinstance(staff, PerUnitDeduction) and (staff.limit, staff.unit, staff.points, staff.direction) == (
        100,
        1,
        D("0.5"),
        "over",
    )
    assert isinstance(three, PerUnitDeduction) and (three.limit, three.unit, three.points, three.direction) == (
        0,
        1,
        D("0.8"),
        "over",
    )
    assert isinstance(done, PerUnitDeduction) and (done.limit, done.unit, done.points, done.direction) == (
        100,
        5,
        2,
        "under",
    )
    # 预算控制率 scores more the lower it is: tiers by upper bounds, and 39.94% (the table's own figures) gets 0.
    assert isinstance(control, Tiers) and [(t.max, t.score) for t in control.tiers] == [
        (0, 8),
        (10, 6),
        (20, 4),
        (30, 2),
    ]
    assert control.compute(D(8), {"value": D("39.94")})[0] == 0 and "大于30%不得分" in (control.label or "")
    assert staff.label == "以100%为标准.在职人员控制率Q100%,计8分; 每超过一个百分点扣0.5分,扣完为止."
    source = rubric.declaration.source or ""
    assert "在职人员控制率 ← per_unit_deduction（第 23 行" in source and "每超过一个百分点扣0.5分" in source
    assert "预算控制率 ← tiers（第 26 行" in source and "未采用的规则" not in source


def test_sheet_14_three_row_header_and_its_cut_level():
    inferred = infer_rubric(T14)
    assert mismatches(inferred) == [(6, "一级指标", "前期准备工作", 30, 28), (None, "总分", "合计", 100, 30)]
    assert weights(inferred.rubric.tree) == [
        (
            "前期准备工作",
            28,
            [
                ("自评工作情况", 18, [("组织建立情况", 8), ("自评材料报送及时性", 5), ("自评材料报送质量", 5)]),
                ("目标设置", 10, [("绩效目标申报情况", 6), ("目标设置合理性", 4)]),
            ],
        )
    ]
    leaf = inferred.rubric.indicator("组织建立情况")
    assert leaf.node.explanation.startswith("是否成立评价工作小组")
    assert leaf.rule.label == "未成立自评工作小组扣8分;组成人员不符合要求的扣5分。"
    quality = inferred.rubric.indicator("自评材料报送质量").rule
    assert isinstance(quality, Checklist) and [i.points for i in quality.items] == [2, 2, 1]
    assert isinstance(inferred.rubric.indicator("绩效目标申报情况").rule, Judgement)  # 6 + 3 + 6: alternatives


def test_every_mismatch_of_a_sheet_is_listed_in_one_run():
    inferred = infer_rubric(BAD)
    assert mismatches(inferred) == [
        (2, "二级指标", "预算编制", 10, 9),
        (4, "二级指标", "预算执行", 10, 8),
        (6, "二级指标", "质量", 30, 25),
        (6, "三级指标", "完成质量", 25, None),
        (None, "总分", "合计", 100, 80),
    ]
    assert "名称中标明 20.00 分" in inferred.mismatches[3].message


# --- standards → rules --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("standard", "weight", "expected"),
    [
        (
            "≤100%得满分，每超1个百分点扣0.5分",
            5,
            PerUnitDeduction(type="per_unit_deduction", limit=100, points=D("0.5")),
        ),
        ("预算完成率×分值", 10, Proportional(type="proportional")),
        ("按完成比例计分", 10, Proportional(type="proportional")),
        ("执行率×权重，执行率达到95%得满分", 10, Proportional(type="proportional", full_at=95)),
        (
            "≥90%得10分；80%-90%得8分；60%-80%得6分；60%以下不得分",
            10,
            Tiers(type="tiers", tiers=({"min": 90, "score": 10}, {"min": 80, "score": 8}, {"min": 60, "score": 6})),
        ),
        (
            "预算调整率≤5%得10分；5%-10%得6分；10%-20%得2分；20%以上不得分",
            10,
            Tiers(type="tiers", tiers=({"max": 5, "score": 10}, {"max": 10, "score": 6}, {"max": 20, "score": 2})),
        ),
        ("≤5%得10分；5%-10%得6分；10%以上得2分", 10, Judgement(type="judgement")),  # still scores above the top
        ("每发现一处不规范扣1分，扣完为止", 5, PerCaseDeduction(type="per_case_deduction", points=1)),
        ("未成立自评工作小组扣8分;组成人员不符合要求的扣5分。", 8, Judgement(type="judgement")),
        ("1.填写齐全得2分；2.按时报送得2分", 5, Judgement(type="judgement")),  # 2 + 2 is not the weight 5
        ("≥90%得12分；90%以下不得分", 10, Judgement(type="judgement")),  # a band above the weight
    ],
)
def test_a_standard_gives_the_rule_it_states(standard, weight, expected):
    found = recognise(standard, D(weight))
    assert found.rule.model_copy(update={"label": None}) == expected
    assert found.rule.label == standard
    assert bool(found.fragment) == (expected.type != "judgement")


# --- the command --------------------------------------------------------------------------------------------


def test_infer_writes_a_rubric_that_validates_shows_and_names_its_source(capsys, tmp_path):
    out = tmp_path / "r10.yaml"
    code, stdout, err = run(capsys, "rubric", "infer", T10, "-o", out, "--id", "dazhou-dept")
    assert code == 0 and stdout == "" and "已写入" in err and "--sheet 2" in err
    decl = load_rubric(out).declaration
    assert decl.id == "dazhou-dept"
    assert decl.inferred_from == f"{T10.name} sha256:{hashlib.sha256(T10.read_bytes()).hexdigest()}"
    assert T10.name in (decl.source or "") and "各级分值均等于下级合计" in (decl.source or "")
    code, stdout, _ = run(capsys, "rubric", "validate", out)
    assert code == 0 and stdout.startswith("有效：dazhou-dept") and "27 项末级指标" in stdout
    code, stdout, _ = run(capsys, "rubric", "show", out)
    assert code == 0 and "部门决策  25" in stdout and "履职成效  20" in stdout and "社会公众满意度  4" in stdout


def test_infer_without_output_prints_the_yaml(capsys):
    code, stdout, _ = run(capsys, "rubric", "infer", T10)
    data = yaml.safe_load(stdout)
    assert code == 0 and data["family"] == "target" and data["requires"] == []
    assert parse_rubric(data, "stdout").total_weight == 100


@pytest.mark.parametrize(
    ("table", "lines"),
    [
        (T12, [":25: 一级指标“过程”: 标明 58.00 分，下级合计 16.00 分", ": 总分: 应为 100.00 分"]),
        (
            T14,
            [":6: 一级指标“前期准备工作”: 标明 30.00 分，下级合计 28.00 分（18.00 + 10.00）", ": 总分: 应为 100.00 分"],
        ),
        (BAD, [":2: 二级指标“预算编制”", ":4: 二级指标“预算执行”", ":6: 二级指标“质量”", ":6: 三级指标“完成质量”"]),
    ],
)
def test_infer_lists_every_mismatch_exits_2_and_writes_nothing(capsys, tmp_path, table, lines):
    out = tmp_path / "r.yaml"
    code, stdout, err = run(capsys, "rubric", "infer", table, "-o", out)
    errors = [line for line in err.splitlines() if line.startswith("错误：")]
    assert code == 2 and stdout == "" and not out.exists() and list(tmp_path.iterdir()) == []
    for line in lines:
        assert any(line in e for e in errors), line
    assert len(errors) == len(infer_rubric(table).mismatches) + 1 and "--allow-partial" in errors[-1]


def test_allow_partial_writes_the_visible_tree_marked_incomplete(capsys, tmp_path):
    out = tmp_path / "r14.yaml"
    code, _, err = run(capsys, "rubric", "infer", T14, "-o", out, "--allow-partial")
    assert code == 0 and "注意：" in err and "标明 30.00 分，下级合计 28.00 分" in err
    rubric = load_rubric(out)
    assert rubric.declaration.title == "湛江市部门(单位)整体支出绩效自评评分表（不完整）"
    assert rubric.total_weight == 28 and "不完整：第 6 行 一级指标“前期准备工作”" in (rubric.declaration.source or "")
    assert out.read_text("utf-8").startswith("# 由 audit-toolkit rubric infer 自 14_")
    assert run(capsys, "rubric", "validate", out)[0] == 0


def test_infer_never_overwrites_without_force(capsys, tmp_path):
    out = tmp_path / "r.yaml"
    out.write_text("kept\n", encoding="utf-8")
    code, _, err = run(capsys, "rubric", "infer", T10, "-o", out)
    assert code == 2 and "--force" in err and out.read_text("utf-8") == "kept\n"
    code, _, _ = run(capsys, "rubric", "infer", T10, "-o", out, "--force")
    assert code == 0 and load_rubric(out).total_weight == 100


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["--sheet", "3"], "共有 2 张评分表，没有第 3 张"), ([], None)],
)
def test_a_missing_sheet_or_a_table_without_levels_is_unusable(capsys, tmp_path, argv, message):
    table = T10
    if message is None:
        table = tmp_path / "plain.tsv"
        table.write_text("项目\t金额\n办公费\t10\n", encoding="utf-8")
        message = "未找到评分表表头"
    code, _, err = run(capsys, "rubric", "infer", table, *argv)
    assert code == 2 and message in err
    with pytest.raises(InputError):
        infer_rubric(table, sheet=int(argv[1]) if argv else 1)


# --- the shipped rubric rendered as a sheet and read back ---------------------------------------------------


def _render(rubric_id: str, path: Path) -> None:
    """A rubric as its region would print it: merged level cells, group weights in the names, a 分值 column."""
    standards = {
        "proportional": "得分=部门预算资金支出率×分值，满分为止",
        "count_ratio": "按时备案合同数÷应备案合同总数×分值",
    }
    lines = ["一级指标\t二级指标\t三级指标\t分值\t指标解释\t评分标准"]
    previous: tuple = ()
    for indicator in load_rubric(rubric_id).indicators:
        groups = indicator.groups
        cells = [f"{g.label}（{g.weight:g}分）" if g not in previous[: i + 1] else "" for i, g in enumerate(groups)]
        text = (indicator.node.explanation or "", standards.get(indicator.rule.type, ""))
        name = "" if indicator.node.placeholder else indicator.label
        lines.append("\t".join([*cells, name, f"{indicator.weight:g}", *text]))
        previous = groups
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_shipped_rubric_rendered_as_a_sheet_is_inferred_back(tmp_path):
    table = tmp_path / "gz.tsv"
    _render("gz-dept-overall-2022", table)
    original, inferred = load_rubric("gz-dept-overall-2022"), infer_rubric(table)
    assert inferred.complete and inferred.rubric.total_weight == original.total_weight

    def shape(nodes):
        return [
            (n.id, n.weight, n.placeholder, n.explanation, n.rule and n.rule.type, shape(n.children)) for n in nodes
        ]

    assert shape(inferred.rubric.tree) == shape(original.tree)
    assert diff_rubrics(original, inferred.rubric) == []


# --- rubric diff --------------------------------------------------------------------------------------------


def test_diff_lists_indicators_added_removed_reweighted_and_reruled(capsys, tmp_path):
    old, new = tmp_path / "2022.yaml", tmp_path / "2023.yaml"
    assert run(capsys, "rubric", "infer", T10, "-o", old)[0] == 0
    data = yaml.safe_load(old.read_text("utf-8"))
    target = data["tree"][0]["children"][0]["children"]  # 部门决策 / 目标任务
    target[0]["weight"], target[1]["weight"] = 6, 4  # 相关性 5 → 6, 明确性 5 → 4
    target[2]["rule"] = {"type": "proportional"}  # 合理性
    data["tree"][1]["children"][1]["children"][0]["id"] = "中期评估开展"  # 执行中期评估 renamed
    new.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    changes = {(c.kind, c.id) for c in diff_rubrics(load_rubric(old), load_rubric(new))}
    assert changes == {
        (ChangeKind.REWEIGHTED, "相关性"),
        (ChangeKind.REWEIGHTED, "明确性"),
        (ChangeKind.RERULED, "合理性"),
        (ChangeKind.ADDED, "中期评估开展"),
        (ChangeKind.REMOVED, "执行中期评估"),
    }
    code, stdout, _ = run(capsys, "rubric", "diff", old, new)
    assert code == 0 and "5 处变动" in stdout
    assert (
        "分值变动：相关性：5.00 → 6.00" in stdout
        and "计分规则变动：合理性：judgement → proportional（full_at 100）" in stdout
    )
    assert "删除：执行中期评估（综合管理 / 中期评估 下，2.00 分）" in stdout
    code, stdout, _ = run(capsys, "rubric", "diff", old, old)
    assert code == 0 and "无变动" in stdout
