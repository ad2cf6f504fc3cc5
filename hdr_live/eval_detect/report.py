"""``eval-detect``'s tables: per file, per tag and in total, for each system side by side.

Each cell reads ``found/labelled, false F (inferred I), side S``: a hand found is a labelled hand
matched by a prediction, a false hand a prediction that matched none (files with complete labels
only), side errors matched hands of the other side. Files whose labels are partial add their
unmatched predictions to ``unscored``, never to ``false``.
"""

from __future__ import annotations

from hdr_live.eval_detect.run import FileResult
from hdr_live.eval_detect.scoring import Totals

ALL = "all files"


def file_totals(result: FileResult) -> Totals:
    """One file's counts over its labelled frames."""
    totals = Totals()
    for frame in result.frames:
        totals = totals.add(frame.score)
    return totals


def cell(t: Totals) -> str:
    """One system's counts in a table cell (see the module docstring)."""
    extra = f" (inferred {t.false_inferred})" if t.false_inferred else ""
    unscored = f", unscored {t.unscored}" if t.unscored else ""
    return f"{t.found}/{t.labelled}, false {t.false}{extra}, side {t.side_errors}{unscored}"


def by_tag(results: list[FileResult]) -> dict[str, Totals]:
    """Counts per tag (a file counts under each of its tags) and under :data:`ALL`."""
    out: dict[str, Totals] = {}
    for result in results:
        t = file_totals(result)
        for tag in (*result.file.tags, ALL):
            out[tag] = out.get(tag, Totals()).plus(t)
    return out


def tag_table(results: dict[str, list[FileResult]]) -> list[str]:
    """Markdown rows: one per tag, one column per system, then the total with precision."""
    systems = list(results)
    tables = {name: by_tag(rs) for name, rs in results.items()}
    tags = sorted({tag for table in tables.values() for tag in table if tag != ALL}) + [ALL]
    lines = ["| tag | " + " | ".join(systems) + " |", "|---|" + "---|" * len(systems)]
    for tag in tags:
        cells = [cell(tables[s].get(tag, Totals())) for s in systems]
        lines.append(f"| {tag} | " + " | ".join(cells) + " |")
    precision = [f"{tables[s][ALL].precision:.3f}" if ALL in tables[s] else "n/a"
                 for s in systems]
    lines.append("| precision (all) | " + " | ".join(precision) + " |")
    return lines


def file_line(result: FileResult, system: str) -> str:
    """One file's counts for one system."""
    return f"{result.file.name} [{system}]: {cell(file_totals(result))}"
