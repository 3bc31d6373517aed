"""The review panel: an ipywidgets form in JupyterLab where an auditor re-scores indicators and decides findings.

`open_review(record_path)` shows every indicator with its weight, self score, recomputed score and findings;
Save validates the whole review (toolkit.review) and writes `<record stem>.review.yaml` atomically, or lists
every problem and writes nothing. The record itself is only read.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date as Date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

import ipywidgets as w

from toolkit.core.findings import Finding
from toolkit.core.numbers import fmt
from toolkit.core.problems import InputError, Problem, display_path
from toolkit.core.record import load_record
from toolkit.core.result import IndicatorResult
from toolkit.core.scoring import score
from toolkit.core.yamlio import read_yaml
from toolkit.review.apply import apply_review, audit

if TYPE_CHECKING:
    from toolkit.review.desk import ReviewDesk
from toolkit.review.files import DECISIONS, load_review, review_path_for, save_review, validate_review

_UNDECIDED = ""
_DECISION_OPTIONS = [("未决定", _UNDECIDED)] + [(f"{label}（{code}）", code) for code, label in DECISIONS.items()]
# The panel's filters: which indicator rows each shows (the row, and whether it has findings of its own).
FILTERS: dict[str, Callable[[_IndicatorRow, bool], bool]] = {}
_HEAD_LABELS = {"reviewer": "复核人", "date": "复核日期", "reviewing_unit": "复核单位", "report_number": "报告编号"}
_FIELD_LABELS = {
    "audited_score": "复核得分",
    "reason": "调整理由",
    "indicator": "指标",
    "decision": "决定",
    "note": "说明",
    "code": "发现代码",
}


def _cell(text: str, width: str, css: str = "") -> w.HTML:
    return w.HTML(f'<span class="{css}">{html.escape(text)}</span>', layout=w.Layout(width=width))


class _DecisionRow:
    """One decision on the findings of one code for one indicator (or for the department as a whole)."""

    def __init__(self, code: str, indicator: str | None, findings: list[Finding], n: int):
        self.code, self.indicator = code, indicator
        items = "".join(
            f"<li>{html.escape(f.severity.label)} {html.escape(f.title)}：{html.escape(f.message)}</li>"
            for f in findings
        )
        self.text = w.HTML(
            f'<span class="code">{html.escape(code)}</span><ul style="margin:0">{items}</ul>',
            layout=w.Layout(width="58%"),
        )
        self.decision = w.Dropdown(options=_DECISION_OPTIONS, value=_UNDECIDED, layout=w.Layout(width="14%"))
        self.note = w.Text(placeholder="说明（驳回时必填）", layout=w.Layout(width="26%"))
        self.decision.add_class(f"audit-decision-{n}")
        self.note.add_class(f"audit-note-{n}")
        self.box = w.HBox([self.text, self.decision, self.note], layout=w.Layout(margin="0 0 4px 24px"))

    def entry(self) -> dict | None:
        if self.decision.value == _UNDECIDED:
            return None
        out: dict = {"code": self.code}
        if self.indicator is not None:
            out["indicator"] = self.indicator
        out["decision"] = self.decision.value
        if self.note.value.strip():
            out["note"] = self.note.value.strip()
        return out


class _IndicatorRow:
    def __init__(self, ind: IndicatorResult, n: int):
        self.indicator = ind
        where = "－".join(ind.groups)
        recomputed = fmt(ind.recomputed_score) if ind.recomputed_score is not None else "—"
        self_score = fmt(ind.self_score) if ind.applicable else "不适用"
        self.score = w.Text(placeholder=f"自评 {self_score}", layout=w.Layout(width="9%"), disabled=not ind.applicable)
        self.reason = w.Text(
            placeholder="调整理由（调整得分时必填）", layout=w.Layout(width="35%"), disabled=not ind.applicable
        )
        self.score.add_class(f"audit-score-{n}")
        self.reason.add_class(f"audit-reason-{n}")
        label = w.HTML(
            f"<b>{html.escape(ind.label)}</b><br><small>{html.escape(where)}</small>", layout=w.Layout(width="28%")
        )
        self.box = w.HBox(
            [
                label,
                _cell(fmt(ind.weight), "7%"),
                _cell(self_score, "7%"),
                _cell(recomputed, "7%"),
                self.score,
                self.reason,
            ]
        )

    def entry(self) -> dict | None:
        text, reason = self.score.value.strip(), self.reason.value.strip()
        if not text and not reason:
            return None
        out: dict = {"indicator": self.indicator.id}
        if text:
            try:
                out["audited_score"] = Decimal(text)
            except InvalidOperation:
                out["audited_score"] = text  # validation names it: 应为数字
        if reason:
            out["reason"] = reason
        return out


FILTERS.update(
    {
        "全部": lambda row, findings: True,
        "有扣分": lambda row, findings: row.indicator.lost > 0,
        "有复核发现": lambda row, findings: findings,
        "已调整": lambda row, findings: bool(row.score.value.strip()),
    }
)


class ReviewPanel:
    """The review form of one department record; display it in a notebook (it is its widget)."""

    def __init__(self, record_path: str | Path):
        self.record_path = Path(record_path)
        self.record = load_record(self.record_path)
        self.result = score(self.record)
        self.review_path = review_path_for(self.record_path)
        self.rows = [_IndicatorRow(i, n) for n, i in enumerate(self.result.indicators)]
        self.decision_rows = self._decision_rows()
        self.reviewer = w.Text(description="复核人", placeholder="审核人姓名")
        self.date = w.Text(description="复核日期", value=Date.today().isoformat())
        # For the Word cover and signature block; left empty, they stay blanks to fill by hand.
        self.unit = w.Text(description="复核单位", placeholder="可不填")
        self.number = w.Text(description="报告编号", placeholder="可不填")
        self.reviewer.add_class("audit-reviewer")
        self.date.add_class("audit-date")
        self.unit.add_class("audit-unit")
        self.number.add_class("audit-number")
        self.summary = w.HTML()
        self.message = w.HTML()
        self.summary.add_class("audit-summary")
        self.message.add_class("audit-message")
        self.save_button = w.Button(description="保存复核调整", button_style="primary", icon="save")
        self.save_button.add_class("audit-save")
        self.save_button.on_click(lambda _: self.save())
        self.filter = w.ToggleButtons(options=list(FILTERS), value="全部", description="显示")
        self.filter.add_class("audit-filter")
        self.shown = w.HTML()
        self.shown.add_class("audit-shown")
        self._by_indicator: dict[str | None, list[_DecisionRow]] = {}
        for d in self.decision_rows:
            self._by_indicator.setdefault(d.indicator, []).append(d)
        self._general: list[w.Widget] = []
        self._load_existing()
        for widget in self._inputs():
            widget.observe(lambda _: self._update_summary(), names="value")
        self._update_summary()
        self.widget = self._layout()
        self.filter.observe(lambda _: self.apply_filter(), names="value")
        self.apply_filter()

    # --- building --------------------------------------------------------------------------------

    def _decision_rows(self) -> list[_DecisionRow]:
        groups: dict[tuple[str, str | None], list[Finding]] = {}
        for f in self.result.findings:
            groups.setdefault((f.code, f.indicator), []).append(f)
        return [_DecisionRow(code, indicator, items, n) for n, ((code, indicator), items) in enumerate(groups.items())]

    def _inputs(self) -> list[w.Widget]:
        return (
            [self.reviewer, self.date, self.unit, self.number]
            + [x for r in self.rows for x in (r.score, r.reason)]
            + [x for d in self.decision_rows for x in (d.decision, d.note)]
        )

    def _layout(self) -> w.VBox:
        r = self.result
        title = w.HTML(
            f"<h3>复核：{html.escape(r.department)} {r.year} 年度</h3>"
            f"<p>记录：{html.escape(display_path(self.record_path))}　·　"
            f"复核文件：{html.escape(display_path(self.review_path))}"
            f"{'' if self.review_path.exists() else '（尚未建立，保存时创建）'}</p>"
        )
        header = w.HBox(
            [
                _cell(h, width, "header")
                for h, width in (
                    ("指标", "28%"),
                    ("分值", "7%"),
                    ("自评分", "7%"),
                    ("重算分", "7%"),
                    ("复核得分", "9%"),
                    ("调整理由", "35%"),
                )
            ],
            layout=w.Layout(border_bottom="1px solid #999"),
        )
        head = [w.HBox([self.reviewer, self.date]), w.HBox([self.unit, self.number])]
        body: list[w.Widget] = [title, *head, w.HBox([self.filter, self.shown]), header]
        by_indicator = self._by_indicator
        for row in self.rows:
            body.append(row.box)
            body += [d.box for d in by_indicator.get(row.indicator.id, [])]
        general = by_indicator.get(None, [])
        if general:
            self._general = [w.HTML("<h4>部门整体的复核发现</h4>"), *(d.box for d in general)]
            body += self._general
        body += [self.summary, self.save_button, self.message]
        return w.VBox(body)

    def _load_existing(self) -> None:
        """Fill the form from the review file if there is one; a broken one is shown, its readable parts kept."""
        if not self.review_path.exists():
            return
        try:
            load_review(self.review_path, self.record, self.result)
        except InputError as exc:
            self._show_problems("现有复核文件有问题，请修正后保存：", exc)
        try:
            data = read_yaml(self.review_path, "复核调整")
        except InputError:
            return
        if not isinstance(data, dict):  # not a mapping at all: the problems above say so, nothing to fill in
            return
        self.reviewer.value = str(data.get("reviewer") or "")
        self.date.value = str(data.get("date") or self.date.value)
        self.unit.value = str(data.get("reviewing_unit") or "")
        self.number.value = str(data.get("report_number") or "")
        rows = {r.indicator.id: r for r in self.rows}
        for entry in data.get("adjustments") or []:
            ind = self.record.rubric.indicator(str(entry.get("indicator"))) if isinstance(entry, dict) else None
            if ind is not None and ind.id in rows:
                rows[ind.id].score.value = "" if entry.get("audited_score") is None else str(entry["audited_score"])
                rows[ind.id].reason.value = str(entry.get("reason") or "")
        for entry in data.get("findings") or []:
            if not isinstance(entry, dict):
                continue
            ind = self.record.rubric.indicator(str(entry["indicator"])) if entry.get("indicator") else None
            for d in self.decision_rows:
                if d.code == entry.get("code") and (ind is None or d.indicator == ind.id):
                    d.decision.value = entry.get("decision") if entry.get("decision") in DECISIONS else _UNDECIDED
                    d.note.value = str(entry.get("note") or "")

    def visible(self) -> list[str]:
        """The ids of the indicators the current filter shows, in table order."""
        keep = FILTERS[self.filter.value]
        return [r.indicator.id for r in self.rows if keep(r, bool(self._by_indicator.get(r.indicator.id)))]

    def apply_filter(self) -> None:
        """Show only the indicators (with their findings) the filter asks for; department-wide findings go with
        全部 and 有复核发现."""
        shown = set(self.visible())
        for row in self.rows:
            display = "" if row.indicator.id in shown else "none"
            for box in [row.box, *(d.box for d in self._by_indicator.get(row.indicator.id, []))]:
                box.layout.display = display
        for widget in self._general:
            widget.layout.display = "" if self.filter.value in ("全部", "有复核发现") else "none"
        self.shown.value = f"<span>显示 {len(shown)} / {len(self.rows)} 项指标</span>"

    # --- reading the form ------------------------------------------------------------------------

    def collect(self) -> dict:
        """The review as the form currently says it, in the review-file shape."""
        head = {
            "reviewer": self.reviewer.value.strip(),
            "reviewing_unit": self.unit.value.strip(),
            "report_number": self.number.value.strip(),
            "date": self.date.value.strip(),
        }
        return {
            **{k: v for k, v in head.items() if v},  # left empty: missing (reported, in words) or not given
            "adjustments": [e for e in (r.entry() for r in self.rows) if e is not None],
            "findings": [e for e in (d.entry() for d in self.decision_rows) if e is not None],
        }

    def _where(self, problem: Problem, data: dict) -> str:
        """A problem's place in the words of the form: the indicator or finding it is about."""
        loc = problem.loc
        if len(loc) < 2 or loc[0] not in ("adjustments", "findings") or not isinstance(loc[1], int):
            return _HEAD_LABELS.get(problem.field, problem.field)
        entry = data[str(loc[0])][loc[1]]
        field = str(loc[2]) if len(loc) > 2 else ""
        what = _FIELD_LABELS.get(field, field)
        what = f"的{what}" if what else ""
        if loc[0] == "adjustments":
            ind = self.record.rubric.indicator(entry["indicator"])
            return f"“{ind.label if ind else entry['indicator']}”{what}"
        return f"复核发现 {entry['code']}{'（' + entry['indicator'] + '）' if 'indicator' in entry else ' '}{what}"

    def _show_problems(self, lead: str, exc: InputError, data: dict | None = None) -> None:
        if data is None:
            lines = [html.escape(str(p)) for p in exc.problems]
        else:  # in the words of the form, not the review file's field paths
            lines = [f"{html.escape(self._where(p, data))}：{html.escape(p.message)}" for p in exc.problems]
        items = "".join(f"<li>{line}</li>" for line in lines)
        self.message.value = (
            f'<div class="audit-error" style="color:#b00020"><b>{html.escape(lead)}</b><ul>{items}</ul></div>'
        )

    def _update_summary(self) -> None:
        if hasattr(self, "widget") and self.filter.value == "已调整":
            self.apply_filter()  # an indicator re-scored or cleared joins or leaves the list
        r = self.result
        try:
            review = validate_review(self.collect(), self.review_path, self.record, r, located=False)
        except InputError as exc:
            self.summary.value = (
                f"<p>自评总分 {fmt(r.total)}（{r.grade}）；表单尚有 {len(exc.problems)} 处待完善，保存时逐条列出。</p>"
            )
            return

        audited = apply_review(self.record, r, review)
        self.summary.value = (
            f"<p>自评总分 {fmt(r.total)}（{r.grade}）→ 复核后总分 <b>{fmt(audited.audited_total)}</b>"
            f"（{audited.audited_grade}），调整 {len(review.adjustments)} 项，"
            f"对 {len(review.decisions)} 类复核发现作出决定。</p>"
        )

    # --- saving ----------------------------------------------------------------------------------

    def save(self) -> bool:
        """Validate and write the review file; show what happened. True when written."""
        data = self.collect()
        try:
            review = save_review(data, self.record, self.result, self.review_path)
        except InputError as exc:
            self._show_problems(
                f"未保存：复核调整有 {len(exc.problems)} 处问题，请修正后再保存（原文件未改动）。", exc, data
            )
            return False
        except OSError as exc:
            where, why = html.escape(str(self.review_path)), html.escape(exc.strerror or str(exc))
            self.message.value = (
                f'<div class="audit-error" style="color:#b00020"><b>未保存：无法写入 {where}（{why}）。</b></div>'
            )
            return False
        audited = audit(self.record)  # read back from disk: what the report will show
        self.message.value = (
            '<div class="audit-saved" style="color:#1b5e20">'
            f"<b>已保存</b> {html.escape(display_path(self.review_path))}："
            f"调整 {len(review.adjustments)} 项，对 {len(review.decisions)} 类复核发现作出决定；"
            f"复核后总分 {fmt(audited.audited_total)}（{audited.audited_grade}），"
            f"自评总分 {fmt(audited.total)}（{audited.grade}）。"
            f"重新运行 <code>audit-toolkit run</code> 即可在报告中看到。</div>"
        )
        return True

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def open_review(records: str | Path, department: str = "") -> ReviewPanel | ReviewDesk:
    """The review panel of a department record, or, for a folder, a drop-down of its records above the panel of
    the one chosen (`department`: a record's file name or stem; the first when empty)."""
    from toolkit.review.desk import ReviewDesk

    return ReviewDesk(records, department) if Path(records).is_dir() else ReviewPanel(records)
