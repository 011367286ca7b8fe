"""The top layer: the `mobility` command and the stages it runs (generate, build, check,
analyse, report). It alone imports both `mobility` (raw files, contracts, the dbt build, the
gate) and `analysis` (models, tables, report); those two import only `study` and never each
other (docs/architecture.md)."""
