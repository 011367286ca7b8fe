"""Choropleth maps of the LA typologies and of out-migration rates.

Why: where the types and the movers are is half of the story, and a table of 300 LAs hides
it. Geometry: in public runs the real ONS LAD December 2019 boundaries (ultra-generalised,
WGS84), read with pyshp from the publishers' files the run was prepared from; LAs of a later
vintage are drawn with the polygons of the 2019 LAs they were formed from (marts.dim_la_crosswalk).
Synthetic LAs have no boundaries, so each is drawn as its Voronoi cell around its centroid
(bounded by mirroring the centroids across a box around them), which shows neighbourhood
without pretending to be a real map.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analysis.figures import pyplot, save_figure
from analysis.labels import TYPOLOGY_TITLES
from analysis.outputs import Figure

#: The ONS boundary file (relative to the publishers' files of a public run).
BOUNDARY_FILE = Path(
    "geography/lad19_buc/Local_Authority_Districts__December_2019__Boundaries_UK_BUC.shp"
)
#: dim_local_authorities column of each typology mapped.
TYPOLOGY_COLUMNS: dict[str, str] = {
    "smi_2017": "smi_category",
    "ons_supergroup": "supergroup",
    "imd_2010": "imd_quintile",
}
PER = 1_000
_MISSING = "#e6e6e6"

Rings = dict[str, list[np.ndarray]]  # la_code -> polygon rings (x, y)


def boundary_rings(shapefile_path: Path, crosswalk: pd.DataFrame) -> Rings:
    """Rings of each warehouse LA from the ONS boundary file (lad19cd), via the crosswalk."""
    import shapefile  # pyshp

    to_la = dict(zip(crosswalk["from_la_code"], crosswalk["la_code"], strict=True))
    rings: Rings = {}
    # Longitude scaled by cos(54 deg): near-true shapes at British latitudes.
    scale = np.array([np.cos(np.radians(54.0)), 1.0])
    with shapefile.Reader(str(shapefile_path)) as reader:
        code_field = [f.name for f in reader.fields[1:]].index("lad19cd")
        for shape_record in reader.iterShapeRecords():
            code = str(shape_record.record[code_field])
            points = np.asarray(shape_record.shape.points, dtype=float) * scale
            parts = [*shape_record.shape.parts, len(points)]
            target = to_la.get(code, code)
            rings.setdefault(target, []).extend(
                points[a:b] for a, b in zip(parts[:-1], parts[1:], strict=True)
            )
    return rings


def voronoi_rings(codes: list[str], x: np.ndarray, y: np.ndarray) -> Rings:
    """Each point's Voronoi cell, bounded by a box 5% wider than the points."""
    from scipy.spatial import Voronoi

    points = np.column_stack([x, y])
    lo, hi = points.min(axis=0), points.max(axis=0)
    margin = 0.05 * (hi - lo).max()
    lo, hi = lo - margin, hi + margin
    mirrored = [points]
    for axis in (0, 1):
        for edge in (lo[axis], hi[axis]):
            reflected = points.copy()
            reflected[:, axis] = 2 * edge - reflected[:, axis]
            mirrored.append(reflected)
    diagram = Voronoi(np.vstack(mirrored))
    rings: Rings = {}
    for i, code in enumerate(codes):
        region = diagram.regions[diagram.point_region[i]]
        rings[code] = [diagram.vertices[[v for v in region if v >= 0]]]
    return rings


def _draw(
    rings: Rings,
    colors: dict[str, object],
    title: str,
    key: str,
    out_dir: Path,
    legend: list[tuple[str, object]] | None = None,
    scalar: object = None,
    scalar_label: str = "",
) -> Figure:
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 8.5))
    polygons, faces = [], []
    for code, parts in rings.items():
        for ring in parts:
            if len(ring) >= 3:
                polygons.append(ring)
                faces.append(colors.get(code, _MISSING))
    cells = PolyCollection(polygons, facecolors=faces, edgecolors="white", linewidths=0.2)
    ax.add_collection(cells)
    ax.autoscale_view()
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title, fontsize=11)
    if legend:
        handles = [Patch(facecolor=c, edgecolor="grey", label=label) for label, c in legend]
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=2,
            fontsize=7,
            frameon=False,
        )
    if scalar is not None:
        fig.colorbar(scalar, ax=ax, shrink=0.6, label=scalar_label)
    fig.tight_layout()
    return Figure(key, title.replace("\n", " "), save_figure(fig, out_dir, key).as_posix())


def la_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every LA with centroid, typologies and its out-migration rate per 1,000 a year."""
    return con.execute(
        """
        with out_moves as (
            select sending_la_code as la_code, year, sum(moves) as moves
            from marts.fct_la_pair_flows
            group by sending_la_code, year
        ),
        rates as (
            select out_moves.la_code, sum(out_moves.moves) / sum(population.population) as rate
            from out_moves
            inner join marts.fct_la_year_population as population
                on out_moves.la_code = population.la_code and out_moves.year = population.year
            group by out_moves.la_code
        )
        select las.*, rates.rate * ? as out_rate
        from marts.dim_local_authorities as las
        left join rates on las.la_code = rates.la_code
        order by las.la_code
        """,
        [PER],
    ).df()


def la_maps(
    con: duckdb.DuckDBPyConnection, out_dir: Path, publishers_dir: Path | None
) -> list[Figure]:
    """Typology maps and the out-migration map; real boundaries when the run has them."""
    las = la_frame(con)
    if las.empty:
        return []
    shp = publishers_dir / BOUNDARY_FILE if publishers_dir is not None else None
    if shp is not None and shp.exists():
        crosswalk = con.execute("select from_la_code, la_code from marts.dim_la_crosswalk").df()
        rings = boundary_rings(shp, crosswalk)
        where = "ONS LAD December 2019 boundaries"
    else:
        located = las.dropna(subset=["easting", "northing"])
        rings = voronoi_rings(
            list(located["la_code"]), located["easting"].to_numpy(), located["northing"].to_numpy()
        )
        where = "synthetic LAs drawn as Voronoi cells of their centroids"
    order = con.execute(
        "select typology, category from reference.typology_categories "
        "order by typology, category_order"
    ).df()
    figures = []
    cmap = pyplot().get_cmap("tab10")
    for typology, column in TYPOLOGY_COLUMNS.items():
        if column not in las or las[column].isna().all():
            continue
        categories = list(order.loc[order["typology"] == typology, "category"])
        palette = {c: cmap(i % 10) for i, c in enumerate(categories)}
        colors = {
            code: palette.get(value, _MISSING)
            for code, value in zip(las["la_code"], las[column], strict=True)
            if isinstance(value, str)
        }
        legend = [(c, palette[c]) for c in categories] + [("Not classified", _MISSING)]
        title = f"{TYPOLOGY_TITLES.get(typology, typology)}\n({where})"
        figures.append(_draw(rings, colors, title, f"map_{typology}", out_dir, legend))
    rated = las.dropna(subset=["out_rate"])
    if not rated.empty:
        from matplotlib import cm
        from matplotlib import colors as mcolors

        norm = mcolors.Normalize(rated["out_rate"].min(), rated["out_rate"].max())
        scalar = cm.ScalarMappable(norm=norm, cmap="viridis")
        colors = {
            code: scalar.to_rgba(rate)
            for code, rate in zip(rated["la_code"], rated["out_rate"], strict=True)
        }
        title = f"Out-migration rate per {PER:,} residents a year, all years\n({where})"
        figures.append(
            _draw(
                rings,
                colors,
                title,
                "map_out_migration_rate",
                out_dir,
                [("No flows", _MISSING)],
                scalar,
                f"moves out per {PER:,} residents a year",
            )
        )
    return figures
