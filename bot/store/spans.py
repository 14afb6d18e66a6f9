"""Stabbing queries over status spans: which spans cover an instant, without a full scan.

A B-tree answers "start < t" or "end >= t" as ranges, but for a ``t`` in the middle
of the history each range holds about half of all spans. So every span is stored with
a *length class* ``c``: its length is at most ``2**c`` hours (``OPEN`` while it has
no end). A span of class ``c`` that covers ``t`` began in ``[t - 2**c h, t)``, so the
query is one narrow index range per class on ``(status, length_class, start)``, and
it reads at most about twice the spans that actually cover ``t``.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

OPEN = -1  # the class of a span still open
TOP = 20  # 2**20 hours is 119 years: the last class has no lower bound on start


def length_class(start: datetime, end: datetime | None) -> int:
    """The class of a span from ``start`` to ``end``."""
    if end is None:
        return OPEN
    hours = (end - start).total_seconds() / 3600
    if hours <= 1:
        return 0
    return min(TOP, math.ceil(math.log2(hours)))


def covering(columns: Any, at: datetime) -> ColumnElement[bool]:
    """Condition: the span began before ``at`` and had not ended before it."""
    ranges = [and_(columns.length_class == OPEN, columns.start < at)]
    for klass in range(TOP):
        lower = at - timedelta(hours=2**klass)
        ranges.append(
            and_(columns.length_class == klass, columns.start >= lower, columns.start < at)
        )
    ranges.append(and_(columns.length_class == TOP, columns.start < at))
    return and_(or_(*ranges), or_(columns.end.is_(None), columns.end >= at))
