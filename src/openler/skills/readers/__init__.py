"""Readers of published framework files: each takes the file's bytes (or text) the caller
read and returns an :class:`openler.skills.Framework`; none opens a file.

A file that cannot be read at all raises :class:`ReaderError`; a row that cannot be read is a
:class:`Problem` (source, line, why) appended to the ``problems`` list the caller passes —
without one, the first bad row refuses the file. :class:`Limits` bounds sizes, rows and cells.
"""

from openler.skills.readers._common import LIMITS, Limits, Problem, ReaderError
from openler.skills.readers.military import military_identifier, read_military, service_name
from openler.skills.readers.native import read_native

__all__ = [
    "LIMITS",
    "Limits",
    "Problem",
    "ReaderError",
    "military_identifier",
    "read_military",
    "read_native",
    "service_name",
]
