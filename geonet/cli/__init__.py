"""geonet's command line: thin Typer commands that parse, call one function, and print."""
