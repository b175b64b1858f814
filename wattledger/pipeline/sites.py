"""Load a site file (datacenters.yaml) into the database: factors check it, the store keeps it."""

from __future__ import annotations

from pathlib import Path

import duckdb

from wattledger.factors import FactorLibrary
from wattledger.ingest import file_sha256
from wattledger.factors import load_sites, sites_frame
from wattledger.store import replace_datacenters


def load_site_file(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Validate a site file (datacenters.yaml) and make it the database's datacenters.

    Raises :class:`wattledger.factors.SiteFileError` or :class:`wattledger.factors.FactorError`
    (an unknown tariff id) with the file, the key and the problem; nothing is stored then.
    """
    path = Path(path).resolve()
    frame = sites_frame(load_sites(path))
    FactorLibrary().check_sites(frame, str(path))
    return replace_datacenters(con, frame.to_arrow(), str(path), file_sha256(path.read_bytes()))
