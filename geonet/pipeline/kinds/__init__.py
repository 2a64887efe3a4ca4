"""One module per pipeline step kind; each imports only :mod:`geonet.pipeline.context` (and the
train kind, for the sweep). :mod:`geonet.pipeline.registry` lists them."""
