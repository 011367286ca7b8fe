"""Lay the synthetic panel twin out as the UK Data Service distributes the real release.

Folders and file names come from the release description (warehouse/releases/ukhls_bhps.yml,
`distributions`), not from the mapping: SN 6931 per-study folders with the `_protect` suffix,
the SN 6666 LA files (`{wave}_oslaua_protect`), the cross-wave file in `ukhls/`; `.tab` or
Stata `.dta`. Restricted mode (`--panel-dir`) must read this layout as it reads the real one.
The variable names are still the twin's (the mapping's): see docs/restricted.md.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mobility.panel_mapping import PANEL_DIR, PanelMapping, load_mapping
from mobility.panel_release_files import RELEASE_STEM
from mobility.releases import PanelRelease, load_panel_release

DISTRIBUTIONS = {  # format -> (wave and cross-wave files, LA district files)
    "tab": ("sn6931_tab", "sn6666_tab"),
    "dta": ("sn6931_stata", "sn6666_stata"),
}


def _write(source: Path, target: Path, upper_case: bool) -> None:
    frame = pd.read_csv(source, sep="\t", dtype=str, keep_default_na=False)
    if upper_case:
        frame = frame.rename(columns=str.upper)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix == ".tab":
        frame.to_csv(target, sep="\t", index=False)
        return
    numeric = {c: pd.to_numeric(frame[c].replace("", None), errors="coerce") for c in frame}
    typed = pd.DataFrame(
        {
            c: v if v.notna().sum() == (frame[c] != "").sum() else frame[c]
            for c, v in numeric.items()
        }
    )
    typed.to_stata(target, write_index=False, version=118)


def write_release_twin(
    data_dir: Path,
    dest: Path,
    file_format: str = "tab",
    upper_case: bool = False,
    mapping: PanelMapping | None = None,
    release: PanelRelease | None = None,
) -> list[Path]:
    """Copy the twin under data_dir/ukhls/ into dest in the release layout; paths written."""
    mapping = mapping or load_mapping()
    release = release or load_panel_release()
    main, la_files = (release.distributions[d] for d in DISTRIBUTIONS[file_format])
    written = []
    for file_type, spec in mapping.files.items():
        stem = RELEASE_STEM.get(file_type, file_type)
        dist = la_files if stem == "oslaua" else main
        for wave in (None,) if spec.cross_wave else mapping.waves_of(file_type):
            if wave is None:
                relative = main.cross_wave_path(stem) or f"{stem}.{file_format}"
            else:
                number = release.studies[wave.study].waves.index(wave.prefix) + 1
                relative = dist.wave_path(wave.study, wave.prefix, number, stem)
            source = data_dir / PANEL_DIR / mapping.file_name(file_type, wave)
            _write(source, dest / relative, upper_case)
            written.append(dest / relative)
    return written


def main(argv: list[str] | None = None) -> int:
    """`python -m mobility.generate.panel_release DATA_DIR DEST [--format dta]`."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path, help="a synthetic data dir (with ukhls/)")
    parser.add_argument("dest", type=Path, help="where to write the release layout")
    parser.add_argument("--format", choices=tuple(DISTRIBUTIONS), default="tab")
    args = parser.parse_args(argv)
    written = write_release_twin(args.data_dir, args.dest, args.format)
    print(f"{len(written)} files in {args.dest}; run with --panel-dir {args.dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
