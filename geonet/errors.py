"""geonet's one exception hierarchy.

Every error a user can cause derives from :class:`GeonetError`; the CLI turns these into a
one-line message and a non-zero exit code (the traceback only with ``--debug``).
Messages name the file and, where it applies, the line or the curve.
"""

from __future__ import annotations


class GeonetError(Exception):
    """Base class of every error geonet reports to a user."""

    exit_code = 1

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.path = None if path is None else str(path)
        super().__init__(f"{self.path}: {message}" if self.path else message)


class InputError(GeonetError):
    """An input file or option is unusable (not found, wrong format, bad values)."""


class LASError(InputError):
    """A LAS file is malformed (no ~A section, wrong column count, bad depth ...)."""


class GridError(InputError):
    """A gridded dataset (NetCDF/Zarr) cannot be turned into a feature table."""


class MissingCurveError(InputError):
    """A model needs curves that an input does not have."""


class ConfigError(GeonetError):
    """A config or pipeline file, or a command-line option, is invalid."""


class ModelError(GeonetError):
    """A saved model cannot be loaded or does not fit the data."""


class TrainingDiverged(GeonetError):
    """The loss became NaN or infinite during training."""


class TrackingError(GeonetError):
    """MLflow could not be reached or refused an operation."""


class PartialFailure(GeonetError):
    """A batch finished but some inputs were skipped (exit code 3)."""

    exit_code = 3


class OptionError(ConfigError):
    """An option's name, type or value is invalid (found before anything runs; exit code 2, as for usage errors)."""

    exit_code = 2
