"""Chart specs for the dashboards: which columns of a figure's table a chart draws.

static/js/dashboard.js draws a spec with Chart.js; the numbers are the table's, so the chart
never says more than the table beside it (a suppressed count is a gap).
"""

from django.utils.translation import gettext as _

from broedplaats.models import Figure
from broedplaats.selectors.throughput import SMALL, Table

STAGE_COLORS = ("#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00")


def _number(value):
    return None if value is None or value == SMALL else value


def _series(table: Table, label_key: str, keys: list[str], *, totals: bool = False) -> dict:
    labels = {column.key: str(column.label) for column in table.columns}
    rows = [row for row in table.rows if totals or not row.get("is_total")]
    return {
        "labels": [str(row[label_key]) for row in rows],
        "datasets": [{"label": labels[key], "data": [_number(row.get(key)) for row in rows]}
                     for key in keys if key in labels],  # a stage may not exist (yet)
    }


# figure -> (type, label column, value columns, unit, stacked)
CHARTS = {
    Figure.OCCUPANCY: ("bar", "kind", ["share", "area_share"], "%", False),
    Figure.OCCUPANCY_MONTHLY: ("line", "month", ["share", "area_share"], "%", False),
    Figure.VACANCY: ("bar", "kind", ["per_space"], "", False),
    Figure.WAITS: ("bar", "chain", ["median", "p90"], "", False),
    Figure.TENANCY_LENGTH: ("bar", "length", ["tenancies"], "", False),
    Figure.END_REASONS: ("hbar", "reason", ["tenancies"], "", False),
    Figure.COMPLETENESS: ("bar", "chain", ["idea", "making", "distribution"], "", False),
    Figure.SOCIAL_RETURN: ("bar", "kind", ["hours"], "", False),
    Figure.DISTRICTS: ("bar", "district", ["share"], "%", False),
    Figure.DISCIPLINES: ("hbar", "discipline", ["tenants", "waiting"], "", False),
    Figure.TRENDS: ("line", "quarter", ["occupancy", "doorstroming"], "%", False),
}


def chart_for(table: Table, *, month_label=None) -> dict | None:
    """The chart spec of a figure, or None for a figure shown as a table only."""
    if not table.rows:
        return None
    if table.figure == Figure.FLOWS:
        # Left: the stage left; right: where to. Two columns keep the diagram acyclic
        # although projects go round (distribution → idea).
        flows = [{"from": f"{row['from']} →", "to": f"→ {row['to']}", "flow": _number(row["moves"])}
                 for row in table.rows if _number(row["moves"])]
        palette: dict[str, str] = {}  # one colour per stage, on both sides
        for row in table.rows:
            for name in (row["from"], row["to"]):
                palette.setdefault(name, STAGE_COLORS[len(palette) % len(STAGE_COLORS)])
        colors = {**{f"{name} →": color for name, color in palette.items()},
                  **{f"→ {name}": color for name, color in palette.items()}}
        return {"type": "sankey", "title": table.title, "flows": flows,
                "colors": colors}
    if table.figure == Figure.TIME_IN_STAGE:
        rows = [row for row in table.rows if row.get("is_total")]
        spec = _series(Table(table.figure, table.title, table.columns, rows), "stage",
                       ["q1", "median", "q3"], totals=True)
        return {"type": "bar", "title": table.title, "unit": "", "stacked": False, **spec}
    if table.figure == Figure.COHORTS:
        # One line per stage: the share that reached the next stage within a year, by year.
        years = sorted({row["year"] for row in table.rows})
        stages = list(dict.fromkeys(row["stage"] for row in table.rows))
        share = {(row["stage"], row["year"]): _number(row["y1"]) for row in table.rows}
        return {"type": "line", "title": _("Reached the next stage within a year"), "unit": "%",
                "stacked": False, "labels": [str(year) for year in years],
                "datasets": [{"label": stage, "data": [share.get((stage, year)) for year in years]}
                             for stage in stages]}
    if table.figure not in CHARTS:
        return None
    kind, label_key, keys, unit, stacked = CHARTS[table.figure]
    rows = [row for row in table.rows if not row.get("is_total")]
    if label_key == "month" and month_label:
        rows = [{**row, "month": month_label(row["month"])} for row in rows]
    spec = _series(Table(table.figure, table.title, table.columns, rows), label_key, keys)
    return {"type": kind, "title": table.title, "unit": unit, "stacked": stacked, **spec}
