"""Type-to-type migration-rate heatmaps, one per typology, from the stored descriptives.

Why: the matrix of rates between area types (moves from type k to type m per 1,000 residents
of type k) is the first thing an analyst of migration looks at; the tables hold the numbers,
the heatmap shows the pattern. Drawn from `results` (the descriptives the run stored), so the
picture always matches the tables.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analysis.figures import pyplot, save_figure
from analysis.flows.specifications import SAMPLES
from analysis.labels import TYPOLOGY_TITLES
from analysis.outputs import Figure

PER = 1_000  # rates are shown per 1,000 residents of the sending type


def overall_rates(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, pd.DataFrame]:
    """Typology -> sending x receiving matrix of rates per 1,000, in the study's order."""
    rows = con.execute(
        """
        select analysis, row_label, column_label, value
        from results.descriptives
        where run_id = ? and analysis like 'migration_rates_%_overall'
        """,
        [run_id],
    ).df()
    order = con.execute(
        "select typology, category from reference.typology_categories "
        "order by typology, category_order"
    ).df()
    matrices: dict[str, pd.DataFrame] = {}
    for analysis, part in rows.groupby("analysis"):
        typology = str(analysis).removeprefix("migration_rates_").removesuffix("_overall")
        categories = list(order.loc[order["typology"] == typology, "category"])
        matrix = part.pivot_table(
            index="row_label", columns="column_label", values="value", aggfunc="sum"
        )
        present = [c for c in categories if c in matrix.index or c in matrix.columns]
        extra = sorted((set(matrix.index) | set(matrix.columns)) - set(present))
        labels = present + extra
        matrices[typology] = matrix.reindex(index=labels, columns=labels).astype(float) * PER
    rank = {sample.typology: i for i, sample in enumerate(SAMPLES)}  # the study's order
    return dict(sorted(matrices.items(), key=lambda item: rank.get(item[0], len(rank))))


def rate_heatmap(typology: str, matrix: pd.DataFrame, out_dir: Path) -> Figure:
    """One heatmap: rows sending type, columns receiving type, cells annotated."""
    plt = pyplot()
    n = len(matrix)
    size = max(4.5, 0.75 * n + 2.5)
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    values = matrix.to_numpy()
    image = ax.imshow(np.ma.masked_invalid(values), cmap="YlOrRd")
    labels = [_wrap(str(c)) for c in matrix.columns]
    ax.set_xticks(range(n), labels, rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(n), [_wrap(str(c)) for c in matrix.index], fontsize=8)
    ax.set_xlabel("Receiving area type")
    ax.set_ylabel("Sending area type")
    finite = values[np.isfinite(values)]
    middle = (finite.min() + finite.max()) / 2 if finite.size else 0.0
    for i in range(n):
        for j in range(n):
            if np.isfinite(values[i, j]):
                color = "white" if values[i, j] > middle else "black"
                ax.text(j, i, f"{values[i, j]:.1f}", ha="center", va="center", fontsize=7,
                        color=color)  # fmt: skip
    fig.colorbar(image, ax=ax, label=f"moves per {PER:,} residents of the sending type")
    ax.set_title(f"Migration rates between area types\n{TYPOLOGY_TITLES.get(typology, typology)}")
    fig.tight_layout()
    key = f"heatmap_rates_{typology}"
    title = (
        f"Type-to-type migration rates, {TYPOLOGY_TITLES.get(typology, typology)} "
        f"(moves per {PER:,} residents of the sending type, all years)"
    )
    return Figure(key, title, save_figure(fig, out_dir, key).as_posix())


def _wrap(label: str, width: int = 22) -> str:
    """Break long category names over two lines so the axes stay readable."""
    if len(label) <= width or " " not in label:
        return label
    cut = label.rfind(" ", 0, width + 1)
    cut = cut if cut > 0 else label.find(" ")
    return label[:cut] + "\n" + label[cut + 1 :]


def rate_heatmaps(con: duckdb.DuckDBPyConnection, run_id: str, out_dir: Path) -> list[Figure]:
    """Every typology's heatmap (none when the run stored no rates)."""
    return [rate_heatmap(t, m, out_dir) for t, m in overall_rates(con, run_id).items()]
