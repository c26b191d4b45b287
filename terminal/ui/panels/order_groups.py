"""Order lists and brackets in the open-orders table: a group row with its legs under it.

An order that belongs to a list (`list_id`) is shown under one row for its group: an
OCO pair (stop and target), or a bracket (its entry, then the pair placed for what the
entry filled). The group row names the kind and who holds it, and cancelling it
cancels the whole group in one go (`OrderService.cancel_list`). Which list belongs to
which bracket comes from the wiring (`Group`s by list id); a list it does not name is
shown as a list of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from terminal.domain.enums import HeldBy, LegRole
from terminal.domain.order import Order

GROUP_PREFIX = "group:"  # a group row's key in the table: never a client order id
LEG_MARK = "└ "
_ROLE_ORDER = {LegRole.ENTRY: 0, LegRole.STOP: 1, LegRole.TARGET: 2, None: 3}


@dataclass(frozen=True)
class Group:
    list_id: str  # what cancel_list takes: the bracket's id, or the list's
    kind: str  # "OCO", "BRACKET", "LIST"
    held_by: HeldBy | None

    @property
    def key(self) -> str:
        return GROUP_PREFIX + self.list_id

    @property
    def label(self) -> str:
        held = {
            HeldBy.VENUE: "held by the venue",
            HeldBy.TERMINAL: "held by this terminal: only while it runs",
        }.get(self.held_by)  # type: ignore[arg-type]
        return f"{self.kind} ({held})" if held else self.kind

    @property
    def cell(self) -> str:
        """The group row's type cell: the kind and who holds it, short ("*": held by
        this terminal, only while it runs)."""
        return f"{self.kind}*" if self.held_by is HeldBy.TERMINAL else self.kind


GroupsProvider = Callable[[], dict[str, Group]]  # list id -> its group (brackets' lists)


def group_of(order: Order, known: dict[str, Group]) -> Group | None:
    if order.list_id is None:
        return None
    group = known.get(order.list_id)
    if group is not None:
        return group
    kind = "BRACKET" if order.leg_role is LegRole.ENTRY else "OCO"
    return Group(order.list_id, kind, order.held_by)


def arrange(orders: Sequence[Order], known: dict[str, Group]) -> list[Order | Group]:
    """`orders` (newest first) with each group's row where its newest order was and its
    legs right under it (entry, stop, target; then oldest first)."""
    members: dict[str, list[Order]] = {}
    groups: dict[str, Group] = {}
    for o in orders:
        g = group_of(o, known)
        if g is not None:
            members.setdefault(g.list_id, []).append(o)
            groups.setdefault(g.list_id, g)
    for list_id, legs in members.items():  # a list with an entry is a bracket
        g = groups[list_id]
        if g.kind == "OCO" and any(o.leg_role is LegRole.ENTRY for o in legs):
            groups[list_id] = Group(g.list_id, "BRACKET", g.held_by)
    out: list[Order | Group] = []
    placed: set[str] = set()
    for o in orders:
        g = group_of(o, known)
        if g is None:
            out.append(o)
            continue
        if g.list_id in placed:
            continue
        placed.add(g.list_id)
        out.append(groups[g.list_id])
        legs = sorted(members[g.list_id], key=lambda x: (_ROLE_ORDER[x.leg_role], x.created_at))
        out.extend(legs)
    return out


def group_members(orders: Sequence[Order], group: Group, known: dict[str, Group]) -> list[Order]:
    return [
        o for o in orders if (g := group_of(o, known)) is not None and g.list_id == group.list_id
    ]
