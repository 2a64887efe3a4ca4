"""The keyword options of :func:`geonet.features.ingest.ingest`: the same names as the CLI flags
(``--step-m`` ↔ ``step_m``) and the pipeline step keys. Standard library only, so the pipeline
and CLI can list them without importing NumPy or pandas."""

INGEST_OPTIONS = ("format", "step_m", "labels", "aliases", "strict", "jobs", "well_col", "depth_col", "depth_unit",
                  "duplicates", "max_line_chars", "max_token_chars", "max_header_mb", "max_file_mb")
