"""How members may move points between them: household pools and transfers (see
docs/points-between-members.md)."""

from __future__ import annotations

import msgspec


class PoolingRules(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A household pool: an owner and up to ``max_members`` members in all (the owner
    included) contribute points that move to the owner, who alone redeems them. Defaults
    follow Hilton Honors' points pooling (11 members, one pool change a year)."""

    # 0 turns pooling off.
    max_members: int = 11
    # How many pools a member may create or join per qualification year.
    joins_per_year: int = 1
    # The least one contribution may move.
    min_contribution: int = 1
    # The most all contributions to one pool may move per qualification year; 0: no limit.
    max_points_per_year: int = 0


class TransferRules(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Points one member gives another, bounded per qualification year on both sides.
    Defaults follow Marriott Bonvoy (100,000 sent, 500,000 received a year)."""

    # False turns transfers off.
    enabled: bool = True
    min_points: int = 1
    max_sent_per_year: int = 100_000
    max_received_per_year: int = 500_000
