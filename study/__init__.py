"""The study's vocabulary (study.registry), below both `mobility` and `analysis`."""
