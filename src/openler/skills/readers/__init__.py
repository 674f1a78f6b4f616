"""Readers of published framework files: each takes the file's bytes (or text) the caller
read and returns an :class:`openler.skills.Framework`; none opens a file.

A file that cannot be read at all raises :class:`ReaderError`; a row that cannot be read is a
:class:`Problem` (source, line, why) appended to the ``problems`` list the caller passes —
without one, the first bad row refuses the file. :class:`Limits` bounds sizes, rows and cells.

========  ==================================================  =========================
kind      format                                               reader
========  ==================================================  =========================
case      CASE 1.1 CFPackage JSON                              :func:`read_case`
ctdl      CTDL-ASN ``ceasn:CompetencyFramework`` JSON-LD        :func:`read_ctdl`
esco      ESCO CSV export (skills, occupations, relations)     :func:`read_esco` (files)
onet      O*NET database text files                            :func:`read_onet` (files)
military  military occupation → O*NET-SOC crosswalk CSV        :func:`read_military`
builtin   openler's own framework JSON (the demo's)            :func:`read_native`
========  ==================================================  =========================
"""

from openler.skills.readers._common import LIMITS, Limits, Problem, ReaderError
from openler.skills.readers.case import read_case
from openler.skills.readers.ctdl import read_ctdl
from openler.skills.readers.esco import read_esco
from openler.skills.readers.military import military_identifier, read_military, service_name
from openler.skills.readers.native import read_native
from openler.skills.readers.onet import read_onet

__all__ = [
    "LIMITS",
    "Limits",
    "Problem",
    "ReaderError",
    "military_identifier",
    "read_case",
    "read_ctdl",
    "read_esco",
    "read_military",
    "read_native",
    "read_onet",
    "service_name",
]
