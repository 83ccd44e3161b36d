"""Imports: a bureau's own regions, boundaries, grid cells, stations and their staff, people,
secondments, historic cases and service ratings (好差评) come in
from its spreadsheets and map files. One service for the command line
(`flask --app app import KIND FILE [--dry-run]`) and the admin screen.

Every kind validates the whole file before anything is written and writes it in one
transaction (all or nothing); rows are matched on their natural key (area code, station code,
username, case number), so importing the same file again changes nothing; each import is one
audit event with its counts, and each changed record has its own."""

from __future__ import annotations

from data.imports.boundaries import Boundaries
from data.imports.cases import Cases
from data.imports.core import Context, ImportFileError, ImportReport, Kind, Progress, RowError, run
from data.imports.grid_cells import GridCells
from data.imports.ratings import Ratings
from data.imports.regions import Regions
from data.imports.secondments import Secondments
from data.imports.staff import Staff
from data.imports.stations import Stations
from data.imports.users import Users

# in the order a bureau imports them: each needs the ones before it
KINDS: dict[str, Kind] = {kind.name: kind for kind in (Regions(), Boundaries(), GridCells(), Stations(), Staff(),
                                                       Users(), Secondments(), Cases(), Ratings())}

__all__ = ["KINDS", "Context", "ImportFileError", "ImportReport", "Progress", "RowError", "import_file"]


def import_file(session, *, actor, kind: str, data: bytes, filename: str, today, dry_run: bool = False,
                progress: Progress | None = None, options: dict | None = None) -> ImportReport:
    """Import one file of `kind` (a key of KINDS). Raises KeyError for an unknown kind and
    ImportFileError for a file that cannot be read at all; row errors are in the report."""
    ctx = Context(actor=actor, today=today, options=options or {}, progress=progress)
    return run(session, KINDS[kind], data, filename, ctx, dry_run=dry_run)
