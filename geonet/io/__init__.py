"""Reading and writing files: LAS (lasio + a fast ~A parser), log tables, xarray grids, atomic writers.

The only geonet package that imports lasio and xarray (inside functions, so ``geonet --help`` stays fast).
"""
