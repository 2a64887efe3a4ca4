"""Small LAS texts written by the tests, one quirk each."""

from __future__ import annotations

HEAD = """~Version information
 VERS.   {vers} : CWLS LAS
 WRAP.   NO  : one line per depth step
~Well information
 STRT.{du}   1000.0 :
 STOP.{du}   1001.0 :
 STEP.{du}   0.25 :
 NULL.    -999.25 :
 WELL.    {well} : WELL
"""


def las(rows: str, curves=(("DEPT", "M"), ("GR", "gAPI"), ("RHOB", "g/cm3")), *, well="T-1", vers="2.0",
        du="M", extra_header: str = "") -> str:
    """A LAS 2.0 text with ``curves`` (mnemonic, unit) and the data ``rows`` as written."""
    text = HEAD.format(vers=vers, du=du, well=well) + extra_header
    text += "~Curve information\n" + "".join(f" {m}.{u} : curve\n" for m, u in curves)
    return text + "~A\n" + rows.strip("\n") + "\n"


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
