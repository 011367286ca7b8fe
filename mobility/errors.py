"""Errors the `mobility` command turns into one-paragraph messages and exit codes.

0 success; 1 a data-quality gate failed; 2 bad input or usage; 3 anything else (SPEC,
Contracts).
"""

from __future__ import annotations


class MobilityError(Exception):
    """A failure with a message meant for the person running the pipeline."""

    exit_code = 3


class BadInputError(MobilityError):
    """Raw input that does not meet its contract (missing file or column, bad value...)."""

    exit_code = 2


class UsageError(MobilityError):
    exit_code = 2


class QualityGateError(MobilityError):
    """dbt tests or the Great Expectations gate found data that must not reach analysis."""

    exit_code = 1


class WarehouseInUseError(MobilityError):
    """Another process holds the warehouse."""

    exit_code = 3
