"""`mobility fetch`: get the public files listed in mobility/public/catalogue.py.

Two ways, same result (a directory laid out like the project's reference mirror, ready for
`prepare_public`): copy from a mirror directory (`--mirror DIR`, no network; this is what
tests use), or download each file from its pinned address with urllib. Files that are
conversions of R data (`derived_from`) cannot be downloaded; fetch downloads the `.rda`
and lists the conversion still to do. A fetch manifest (fetch_manifest.json) records what
was copied or downloaded, what was missing, what needs converting, and which files differ
from the catalogued SHA-256 (a mirror of a newer release may; a pinned download must not).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import urllib.error
import urllib.request
from pathlib import Path

from mobility.errors import BadInputError, MobilityError
from mobility.public.catalogue import CATALOGUE, TODAY, Entry, checksum

USER_AGENT = "mobility-warehouse fetch (+https://github.com/)"
TIMEOUT_SECONDS = 120


def _download(entry: Entry, target: Path) -> None:
    request = urllib.request.Request(entry.url, headers={"User-Agent": USER_AGENT})
    partial = target.with_name(target.name + ".part")
    try:
        with (
            urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response,
            partial.open("wb") as handle,
        ):
            shutil.copyfileobj(response, handle)
    except (urllib.error.URLError, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise MobilityError(
            f"Could not download {entry.url} (for {entry.local}): {exc}. Check the network, "
            "or copy the files from a mirror with --mirror DIR."
        ) from exc
    partial.replace(target)


def _sha256_16(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def fetch(dest: Path, mirror: Path | None = None) -> list[Path]:
    """Copy (from `mirror`) or download every catalogued file into `dest`; return the paths.

    With a mirror, catalogued files absent from it are listed in the manifest, and any
    official ONS detailed-estimates files in the mirror's flows/ are copied too.
    """
    dest = Path(dest)
    if mirror is not None:
        mirror = Path(mirror)
        if not mirror.is_dir():
            raise BadInputError(f"Mirror directory {mirror} does not exist.")
        if mirror.resolve() == dest.resolve():
            raise BadInputError("--dest and --mirror must be different directories.")
    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    missing: list[str] = []
    to_convert: list[str] = []
    mismatched: list[str] = []
    for entry in CATALOGUE:
        target = dest / entry.local
        target.parent.mkdir(parents=True, exist_ok=True)
        if mirror is not None:
            source = mirror / entry.local
            if not source.is_file():
                missing.append(entry.local)
                continue
            shutil.copy2(source, target)
        elif entry.derived_from is not None:
            to_convert.append(f"{entry.derived_from} -> {entry.local}")
            continue
        else:
            _download(entry, target)
        written.append(target)
        expected = checksum(entry)
        if expected and _sha256_16(target) != expected:
            mismatched.append(entry.local)
            if mirror is None:
                raise MobilityError(
                    f"{entry.url} downloaded to {target} does not have the expected SHA-256 "
                    f"(starting {expected}); the pinned file has changed or the download "
                    "was corrupted."
                )
    if mirror is not None:
        patterns = ["flows/Detailed_Estimates_*_Dataset_*.csv", *(f.local for f in TODAY)]
        for source in sorted({p for pattern in patterns for p in mirror.glob(pattern)}):
            target = dest / source.relative_to(mirror)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            written.append(target)
    if not written:
        raise BadInputError(
            f"Nothing fetched into {dest}: the mirror {mirror} holds none of the catalogued "
            "files (see docs/public_data.md for the expected layout)."
        )
    manifest = {
        "mode": "mirror" if mirror is not None else "download",
        "mirror": str(mirror) if mirror is not None else None,
        "files": [p.relative_to(dest).as_posix() for p in written],
        "missing_from_mirror": missing,
        "needs_conversion_from_rda": to_convert,
        "checksum_differs_from_catalogue": mismatched,
    }
    (dest / "fetch_manifest.json").write_text(json.dumps(manifest, indent=2))
    return written
