"""One well's rows as NumPy columns: the LAS fast path, which never needs pandas.

A LAS file that needs no depth repair (every depth finite, strictly up or down) and holds no text
curve is loaded as a :class:`WellColumns` rather than a DataFrame; ``ingest`` writes such wells to
Parquet straight from the arrays (:func:`geonet.io.write.write_parquet_columns`). Anything else —
repairs, resampling, labels, CSV output, a dataset folder, ``predict`` — turns it into the frame
the pandas path has always made (:meth:`WellColumns.to_frame`), so both paths give the same table.
Importing pandas costs ≈ 0.3 s, a fifth of a whole 22-well ingest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class WellColumns:
    """``columns``: ``DEPTH_M`` (metres) then the curves, in table order; float64, NaN for nulls,
    each ``(rows,)``. The well name fills the ``WELL`` column."""

    well: str
    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.columns["DEPTH_M"])

    @property
    def names(self) -> list[str]:
        """Column names as the frame has them: WELL, DEPTH_M, curves."""
        return ["WELL", *self.columns]

    def to_frame(self):
        """The DataFrame the pandas path makes for the same well."""
        import pandas as pd

        return pd.DataFrame({"WELL": np.full(len(self), self.well, dtype=object), **self.columns})


def as_frame(part):
    """``part`` as a DataFrame (a :class:`WellColumns` converted, a frame as it is)."""
    return part.to_frame() if isinstance(part, WellColumns) else part
