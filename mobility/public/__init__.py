"""Public-data mode: convert publishers' files into the canonical raw layouts (one LA vintage).

Entry point: `prepare_public(raw_dir, out_dir, smi_file)`; see docs/public_data.md.
"""

from mobility.public.prepare import prepare_public, write_smi_placeholder
from mobility.public.report import Exclusion, PublicPreparation

__all__ = ["Exclusion", "PublicPreparation", "prepare_public", "write_smi_placeholder"]
