"""Strand C: ONS Longitudinal Study, movers from and stayers in the most deprived regions."""

from analysis.ls.run import run_ls_analysis

__all__ = ["run_ls_analysis"]
