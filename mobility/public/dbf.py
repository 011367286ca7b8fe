"""A tiny dBase (.dbf) reader for the attribute tables of ONS boundary shapefiles.

We only need the attribute columns (codes, names, official centroids), not the geometry,
so this avoids a GIS dependency. Supports the C (text), N/F (number) field types ONS uses.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pandas as pd

from mobility.errors import BadInputError


def read_dbf(path: Path, encoding: str = "utf-8") -> pd.DataFrame:
    """All non-deleted records of a .dbf file, numbers as floats, text stripped."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInputError(f"{path}: cannot be read ({exc}).") from exc
    if len(data) < 32:
        raise BadInputError(f"{path}: too short to be a dBase file.")
    n_records, header_len, record_len = struct.unpack("<IHH", data[4:12])
    fields: list[tuple[str, str, int]] = []
    pos = 32
    while pos < header_len - 1 and data[pos] != 0x0D:
        name = data[pos : pos + 11].split(b"\x00")[0].decode("ascii")
        kind = chr(data[pos + 11])
        length = data[pos + 16]
        fields.append((name, kind, length))
        pos += 32
    if not fields:
        raise BadInputError(f"{path}: no field descriptors; not a dBase attribute table.")
    rows = []
    for i in range(n_records):
        start = header_len + i * record_len
        record = data[start : start + record_len]
        if len(record) < record_len:
            raise BadInputError(f"{path}: truncated at record {i + 1} of {n_records}.")
        if record[:1] == b"*":
            continue
        offset = 1
        row: list[object] = []
        for _, kind, length in fields:
            raw = record[offset : offset + length].decode(encoding, errors="replace").strip()
            offset += length
            if kind in "NF":
                row.append(float(raw) if raw and raw != "*" * len(raw) else None)
            else:
                row.append(raw)
        rows.append(row)
    return pd.DataFrame(rows, columns=[f[0] for f in fields])
