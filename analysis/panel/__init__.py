"""Strand B: BHPS + Understanding Society teenager-to-adult links (report tables 23-28)."""

from analysis.panel.run import run_panel_analysis

__all__ = ["run_panel_analysis"]
