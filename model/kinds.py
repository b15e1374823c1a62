"""The five kinds of lymphocyte: the one place their order, keys, names and colours are set.

The model, the recorded columns, the app, the reports and the command line all read this table,
so adding or renaming a kind is one edit. Colours are Okabe-Ito, which stay distinguishable with
the common forms of colour blindness.
"""

from __future__ import annotations

from enum import IntEnum


class Kind(IntEnum):
    """Lymphocyte kinds, in the order of the scenario's ``[cells]`` tables."""

    CD4 = 0
    CD8 = 1
    B_CELL = 2
    TREG = 3
    NK = 4

    @property
    def key(self) -> str:
        """Scenario section and recorded column name (``cells.cd4``, ``timeseries.cd4``)."""
        return _TABLE[self][0]

    @property
    def label(self) -> str:
        """Full name, for the inspector and figure titles."""
        return _TABLE[self][1]

    @property
    def short(self) -> str:
        """Short name, for legends and tables."""
        return _TABLE[self][2]

    @property
    def group(self) -> str:
        """The cells of this kind together, for report tables and figure titles."""
        return _TABLE[self][3]

    @property
    def colour(self) -> str:
        return _TABLE[self][4]


_TABLE: dict[Kind, tuple[str, str, str, str, str]] = {
    Kind.CD4: ("cd4", "CD4 effector T cell", "CD4", "CD4 T cells", "#0072B2"),  # blue
    Kind.CD8: ("cd8", "CD8 cytotoxic T cell", "CD8", "CD8 T cells", "#CC79A7"),  # reddish purple
    Kind.B_CELL: ("b_cells", "B cell", "B cells", "B cells", "#009E73"),  # bluish green
    Kind.TREG: ("treg", "Regulatory T cell", "Treg", "Regulatory T cells", "#56B4E9"),  # sky
    Kind.NK: ("nk", "NK cell", "NK", "NK cells", "#F0E442"),  # yellow
}
KIND_BY_KEY: dict[str, Kind] = {k.key: k for k in Kind}

KINDS: tuple[str, ...] = tuple(k.key for k in Kind)  # recorded column names, in Kind order
# The kinds that attack myelin, the lowest kind numbers (`kind <= CD8`). B cells help them as
# antigen-presenting cells instead; Tregs suppress them; NK cells are bystanders.
ATTACKERS = (Kind.CD4, Kind.CD8)
LAST_ATTACKER = max(ATTACKERS)
