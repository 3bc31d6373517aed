"""The `audit-toolkit` command line. Messages about the audit are in Chinese; exit codes are a contract:
0 a result was produced, 1 --strict and an error-severity finding (or a failed department in `run`),
2 unusable input, named on stderr with file and field."""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import sys
from pathlib import Path
from typing import NoReturn

from toolkit import __version__
from toolkit.core.paths import OUTPUT_DIR, PARAMS_DIR, PROJECT_DIR
from toolkit.core.problems import InputError, Problem
from toolkit.report.terminal import safe

# Each command imports what it needs when it runs: an unchanged `run` decides from files and hashes alone and
# must not pay for the record and rubric models, pandas or the report templates.

DEFAULT_RUBRIC = "gz-dept-overall-2022"


def _cmd_score(args: argparse.Namespace) -> int:
    from toolkit.batch.preflight import rubric_argument
    from toolkit.core.record import load_record
    from toolkit.report.console import score_table
    from toolkit.review.apply import audit

    rubric = rubric_argument(args.rubric)  # a bad --rubric is the command line's fault, not the record's
    result = audit(load_record(args.params, rubric))
    if args.json:
        json.dump(result.as_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        score_table(result)
    return 1 if args.strict and result.has_errors else 0


def _cmd_rubric_show(args: argparse.Namespace) -> int:
    from toolkit.core.rubric import builtin_ids, dump_rubric, load_rubric
    from toolkit.report.console import rubric_tree

    rubric = load_rubric(args.rubric or DEFAULT_RUBRIC)
    if args.yaml:
        sys.stdout.write(dump_rubric(rubric))
    else:
        rubric_tree(rubric, builtin_ids())
    return 0


def _cmd_rubric_validate(args: argparse.Namespace) -> int:
    from toolkit.core.rubric import load_rubric

    rubric = load_rubric(Path(args.file))
    print(
        f"有效：{rubric.id}（版本 {rubric.version}），{len(rubric.indicators)} 项末级指标，"
        f"总分 {rubric.declaration.total_weight}"
    )
    return 0


def _cmd_rubric_infer(args: argparse.Namespace) -> int:
    from toolkit.importer.rubric_sheet import infer_rubric, mismatch_problems, rubric_text, summary_lines, write_rubric

    inferred = infer_rubric(Path(args.table), args.id, args.sheet)
    for line in summary_lines(inferred):
        print(line, file=sys.stderr)
    if not inferred.complete and not args.allow_partial:
        tail = Problem(
            inferred.file, "", "分值不符，未写出指标体系；如需按可见部分写出（标为不完整），请加 --allow-partial"
        )
        raise InputError([*mismatch_problems(inferred), tail])
    for problem in mismatch_problems(inferred):
        print(f"注意：{problem}", file=sys.stderr)
    if args.output is None:
        sys.stdout.write(rubric_text(inferred))
        return 0
    written = write_rubric(inferred, Path(args.output), args.force)
    print(f"已写入 {written}（查看：audit-toolkit rubric show {written}）", file=sys.stderr)
    return 0


def _cmd_rubric_diff(args: argparse.Namespace) -> int:
    from toolkit.core.rubric import load_rubric
    from toolkit.importer.rubric_diff import diff_rubrics

    old, new = load_rubric(Path(args.old)), load_rubric(Path(args.new))
    changes = diff_rubrics(old, new)
    count = f"{len(changes)} 处变动" if changes else "无变动"
    print(f"{old.id}（版本 {old.version}）→ {new.id}（版本 {new.version}）：{count}")
    for change in changes:
        print(f"  {change}")
    return 0


def _add_rubric_infer_diff(rsub: argparse._SubParsersAction) -> None:
    """The `rubric infer` and `rubric diff` subcommands."""
    infer = rsub.add_parser(
        "infer",
        help="从评分表推断指标体系",
        description="读取地区自有的评分表（TSV/CSV/XLSX/XLS/DOCX/PDF/HTML），按合并单元格、分值列和名称中的分值"
        "复原指标树，从评分标准识别计分规则，写出标明来源（文件与 SHA-256）的指标体系文件。各级分值须等于下级合计，"
        "否则列出每处不符并以退出码 2 结束、不写文件（除非 --allow-partial）。",
    )
    infer.add_argument("table", metavar="TABLE", help="评分表文件")
    infer.add_argument("-o", "--output", metavar="RUBRIC.yaml", help="写出的指标体系文件（默认输出到标准输出）")
    infer.add_argument("--id", metavar="ID", help="指标体系 ID（默认取自文件名）")
    infer.add_argument("--sheet", type=int, default=1, metavar="N", help="表中有多张评分表时取第 N 张（默认 1）")
    infer.add_argument(
        "--allow-partial", action="store_true", help="分值不符（表格截断）时仍按可见部分写出，标为不完整"
    )
    infer.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    infer.set_defaults(func=_cmd_rubric_infer)
    diff = rsub.add_parser(
        "diff",
        help="比较两个指标体系",
        description="列出两个指标体系之间新增、删除、分值变动、计分规则变动和层级变动的指标。",
    )
    diff.add_argument("old", metavar="A", help="原指标体系文件")
    diff.add_argument("new", metavar="B", help="新指标体系文件")
    diff.set_defaults(func=_cmd_rubric_diff)


def _cmd_run(args: argparse.Namespace) -> int:
    from toolkit.batch.notebook import Status
    from toolkit.batch.runner import run
    from toolkit.report.console import run_table

    if args.jobs is not None and args.jobs < 1:
        raise InputError([Problem("-j", "", f"并行进程数应为正整数，实际为 {args.jobs}")])
    if args.dask_local is not None and args.dask_local < 1:
        raise InputError([Problem("--dask-local", "", f"本机 dask 工作进程数应为正整数，实际为 {args.dask_local}")])
    if args.scheduler is not None and "://" not in args.scheduler:
        why = f"dask 调度器地址应形如 tcp://主机:端口，实际为 {args.scheduler!r}"
        raise InputError([Problem("--scheduler", "", why)])
    from toolkit.report.formats import Format, parse_formats
    from toolkit.report.pdf import MISSING, chromium_path

    formats = parse_formats(args.formats)
    if Format.PDF in formats and chromium_path() is None:  # one line for the run, not one per department
        print(MISSING, file=sys.stderr)
        formats = tuple(f for f in formats if f is not Format.PDF)
    chosen = tuple(f.value for f in formats)
    outcomes = run(
        args.params or None,
        args.output,
        args.jobs,
        args.force,
        args.rubric,
        not args.quiet,
        chosen,
        scheduler=args.scheduler,
        dask_local=args.dask_local,
    )
    run_table(outcomes, Path(args.output))
    if (log := Path(args.output) / "run.log").exists():
        print(f"运行日志：{log}（仅本次运行；上一次的在 run.log.1）", file=sys.stderr)
    return 1 if any(o.status is Status.FAILED for o in outcomes) else 0


def _cmd_import(args: argparse.Namespace) -> int:
    from rich.console import Console

    from toolkit.core.rubric import builtin_ids, load_rubric
    from toolkit.importer.batch import exit_code, import_all, report

    rubric = load_rubric(args.rubric) if args.rubric else None  # None: the family is told from each table
    named = Path(args.rubric) if args.rubric and args.rubric not in builtin_ids() else None
    outcomes = import_all(
        args.files, Path(args.output), rubric, args.code, args.year, args.force, args.name, rubric_file=named
    )
    report(outcomes, Console(), Console(stderr=True), args.quiet)
    return exit_code(outcomes)


def _cmd_lab(args: argparse.Namespace) -> int:
    from toolkit.review.lab import KERNEL_NAME, ensure_kernel, install_font_css, start_lab, unsafe_options

    root = Path(args.root_dir)
    problems = unsafe_options(args.ip, args.token, args.jupyter_args, args.allow_remote)
    if not root.is_dir():
        problems.insert(0, Problem(args.root_dir, "", "不是文件夹，应为 JupyterLab 的根目录"))
    if problems:
        raise InputError(problems)
    if args.allow_remote:
        print("注意：已加 --allow-remote，JupyterLab 可能可被其他计算机访问或不要求登录。", file=sys.stderr)
    try:
        install_font_css(root)
    except OSError as exc:  # the lab still works, in the browser's own fonts
        print(f"注意：未能写入中文字体样式（{exc.strerror or exc}），界面中文可能显示为方框。", file=sys.stderr)
    if ensure_kernel():
        print(f"已注册内核 {KERNEL_NAME}（{sys.executable}）", file=sys.stderr)
    print(
        f"启动 JupyterLab：根目录 {root.resolve()}，内核 {KERNEL_NAME}；打开 notebooks/review.ipynb 开始复核。",
        file=sys.stderr,
    )
    sys.stderr.flush()
    start_lab(root, args.port, args.ip, args.token, args.jupyter_args)
    return 0  # not reached: JupyterLab replaces this process


# argparse's own messages, as the user reads them; anything else it says is shown after the option it names.
_ARGPARSE_MESSAGES = (
    (re.compile(r"unrecognized arguments: (.*)"), "无法识别的参数：{0}（选项不接受缩写）"),
    (re.compile(r"the following arguments are required: (.*)"), "缺少必需的参数：{0}"),
    (re.compile(r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)"), "{0}：没有 {1} 这一项，可选 {2}"),
    (re.compile(r"argument (\S+): expected one argument"), "{0} 后面应有一个值"),
    (re.compile(r"argument (\S+): not allowed with argument (\S+)"), "{0} 与 {1} 不能同时使用"),
    (re.compile(r"argument (\S+): invalid (\w+) value: (.*)"), "{0}：{2} 不是有效的值（应为{1}）"),
    (re.compile(r"argument (\S+): (.*)"), "{0}：{1}"),
)


_TYPES = {"int": "整数", "float": "数字"}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose every mistake is one Chinese line and exit 2, with no usage block."""

    def error(self, message: str) -> NoReturn:
        for pattern, text in _ARGPARSE_MESSAGES:
            if found := pattern.fullmatch(message):
                message = text.format(*(_TYPES.get(g, g) for g in found.groups()))
                break
        self.exit(2, f"错误：{self.prog}：{safe(message)}（{self.prog} -h 查看用法）\n")


def build_parser() -> argparse.ArgumentParser:
    """The `audit-toolkit` command line; options are never abbreviated (--forc is no --force)."""
    parser = _Parser(
        prog="audit-toolkit",
        description="绩效审计工具包：复核、重算绩效自评表（部门整体与项目支出），生成审计报告。",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"audit-toolkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令")
    for add in (_add_score, _add_run, _add_import, _add_lab, _add_rubric):
        add(sub)
    return parser


def _add_score(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "score",
        help="对一个部门自评记录重算得分并复核",
        description="对一个部门自评记录（YAML）重算得分、评定等级并列出全部复核发现。",
        allow_abbrev=False,
    )
    p.add_argument("params", metavar="PARAMS.yaml", help="部门自评记录文件")
    p.add_argument("--json", action="store_true", help="输出一个 JSON 对象（供其他工具使用）")
    p.add_argument("--strict", action="store_true", help="存在“错误”级复核发现时以退出码 1 结束")
    p.add_argument("--rubric", metavar="ID|FILE", help="改用指定的评价指标体系")
    p.set_defaults(func=_cmd_score)


def _add_run(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser(
        "run",
        help="批量审计：每个部门执行一次审计笔记本并发布 HTML 报告",
        description="对每个部门记录执行一次审计笔记本（papermill），"
        "发布 HTML 报告、result.json 和 outputs/index.html。",
        allow_abbrev=False,
    )
    run.add_argument("params", nargs="*", metavar="PARAMS", help=f"部门记录文件或文件夹（默认 {PARAMS_DIR}）")
    run.add_argument("-o", "--output", default=str(OUTPUT_DIR), metavar="DIR", help=f"输出文件夹（默认 {OUTPUT_DIR}）")
    run.add_argument("-j", "--jobs", type=int, default=None, metavar="N", help="并行进程数（默认为 CPU 核数）")
    run.add_argument("--force", action="store_true", help="输入未变化的部门也重新生成")
    run.add_argument("--rubric", metavar="ID|FILE", help="改用指定的评价指标体系")
    run.add_argument("-q", "--quiet", action="store_true", help="不显示进度条")
    run.add_argument(
        "--formats",
        default="html,docx",
        metavar="LIST",
        help="报告格式，逗号分隔：html、docx、pdf（默认 html,docx；pdf 需要 Chromium；html 总会生成）",
    )
    where = run.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="把各部门交给该 dask 调度器下的工作节点运行（各节点须安装同一版本的工具包；输出仍写在本机）",
    )
    where.add_argument("--dask-local", type=int, metavar="N", help="在本机启动 N 个 dask 工作进程运行各部门")
    run.set_defaults(func=_cmd_run)


def _add_import(sub: argparse._SubParsersAction) -> None:
    imp = sub.add_parser(
        "import",
        help="把公开发布的自评表（TSV/CSV/XLSX/XLS/DOCX/PDF/HTML）导入为记录",
        description="读取公开发布的绩效自评表（制表符/逗号分隔文本、XLSX、XLS、DOCX、带文字层的 PDF 或 HTML，"
        "格式与编码按内容识别），复原指标树，写出记录（YAML），并列出所作的每一处修复。"
        "退出码：0 全部导入，1 部分失败，2 无可用输入。",
        allow_abbrev=False,
    )
    imp.add_argument("files", nargs="+", metavar="FILE_OR_DIR", help="自评表文件，或含自评表的文件夹")
    out_help = f"输出文件夹（记录名为 <部门代码>-<年度>.yaml），或单个输入时的 .yaml 文件（默认 {PARAMS_DIR}）"
    imp.add_argument("-o", "--output", default=str(PARAMS_DIR), metavar="FILE_OR_DIR", help=out_help)
    imp.add_argument("--rubric", metavar="ID|FILE", help="评价指标体系或框架（默认按表格内容识别）")
    imp.add_argument("--code", metavar="CODE", help="部门代码（仅单个文件；默认取自文件名）")
    imp.add_argument("--name", metavar="NAME", help="部门（单位）名称（仅单个文件；表中未填写时使用，如评分表模板）")
    imp.add_argument("--year", type=int, metavar="YEAR", help="年度（默认取自表格标题）")
    imp.add_argument("--force", action="store_true", help="覆盖已存在的记录文件")
    imp.add_argument("-q", "--quiet", action="store_true", help="不逐条列出修复，只显示汇总表")
    imp.set_defaults(func=_cmd_import)


def _add_lab(sub: argparse._SubParsersAction) -> None:
    lab = sub.add_parser(
        "lab",
        help="在项目上启动 JupyterLab，用于交互式复核",
        description="注册本项目的内核（audit-toolkit）并在项目目录上启动 JupyterLab（不打开浏览器）。"
        "在 notebooks/review.ipynb 中打开复核面板。“--” 之后的参数原样传给 JupyterLab。",
        allow_abbrev=False,
    )
    root_help = f"JupyterLab 根目录（默认项目目录 {PROJECT_DIR}）"
    lab.add_argument("--root-dir", default=str(PROJECT_DIR), metavar="DIR", help=root_help)
    lab.add_argument("--port", type=int, default=None, metavar="N", help="端口（默认 8888，被占用时 JupyterLab 自选）")
    lab.add_argument("--ip", default="127.0.0.1", metavar="ADDR", help="监听地址（默认 127.0.0.1，仅本机可访问）")
    token_help = "访问令牌（默认由 JupyterLab 随机生成，或取环境变量 JUPYTER_TOKEN）"
    lab.add_argument("--token", default=None, metavar="TOKEN", help=token_help)
    remote_help = "允许监听非本机地址及改动身份验证相关的 JupyterLab 选项（默认拒绝）"
    lab.add_argument("--allow-remote", action="store_true", help=remote_help)
    lab.add_argument("jupyter_args", nargs="*", metavar="-- JUPYTER_OPTION", help="传给 JupyterLab 的其他参数")
    lab.set_defaults(func=_cmd_lab)


def _add_rubric(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("rubric", help="查看、校验、推断或比较评价指标体系", description="评价指标体系（rubric）文件。")
    rsub = r.add_subparsers(dest="rubric_command", required=True, metavar="子命令")
    show = rsub.add_parser("show", help="显示指标体系", description="显示内置或指定文件的评价指标体系。")
    show.add_argument("rubric", nargs="?", metavar="ID|FILE", help=f"内置 ID 或文件路径（默认 {DEFAULT_RUBRIC}）")
    show.add_argument("--yaml", action="store_true", help="输出规范化的 YAML")
    show.set_defaults(func=_cmd_rubric_show)
    val = rsub.add_parser("validate", help="校验指标体系文件", description="校验评价指标体系文件，一次列出全部问题。")
    val.add_argument("file", metavar="FILE")
    val.set_defaults(func=_cmd_rubric_validate)
    _add_rubric_infer_diff(rsub)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        for problem in exc.problems:
            print(f"错误：{safe(str(problem))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug, not bad input: one line, traceback only on request
        if os.environ.get("AUDIT_TOOLKIT_DEBUG"):
            raise
        print(
            f"内部错误：{type(exc).__name__}: {safe(str(exc))}"
            "（设置 AUDIT_TOOLKIT_DEBUG=1 可查看详细信息，请报告此问题）",
            file=sys.stderr,
        )
        return 3


def entry() -> NoReturn:
    """The `audit-toolkit` command (and `python -m toolkit`): main, then exit with its status.

    Before the interpreter exits, every object still alive is frozen (gc.freeze): the collection Python runs on
    the way out would otherwise walk them all only to find nothing worth collecting, about 10 ms, a tenth of an
    unchanged re-run. Files are closed and logs flushed before this point (atexit handlers still run). Not in
    main itself: tests call it in one process, whose later garbage must stay collectable."""
    status = main()
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":
    entry()
