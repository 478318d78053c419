"""Keep Hangul whole in overlays (toasts, tooltips, menus) that lie over other widgets.

Why this exists: Textual's compositor cuts every screen line at every visible widget's
left and right edge, and then divides *each* widget's line at all the cuts inside it,
even the cuts made by widgets it covers. A double-width letter that straddles such a cut
is replaced by two spaces, so a Korean toast over the checkout's column divider showed
"고  에게" for "고객에게" (Textual issue 6357, open upstream as of Textual 8.2).

The mend: while a line is composed front to back, a widget's line is divided only where
the owner of the cells changes. Neighbouring buckets that this widget wins both are
handed one undivided piece (the first bucket) and an empty piece (the rest, so that no
widget behind can claim them). The joined line is the same, cell for cell, except that
no wide letter is cut where nothing covers it.

This replaces one private method of Textual's ``Compositor``; ``install`` checks that the
method is the one it was written against (its signature and the structures it uses)
and otherwise leaves Textual alone.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip

_EMPTY = Strip([], 0)
_original = Compositor._render_chops


def _render_chops(
    self: Compositor, crop: Region, is_rendered_line: Callable[[int], bool]
) -> Sequence[Mapping[int, Strip | None]]:
    cuts = self.cuts
    chops: list[dict[int, Strip | None]] = [dict.fromkeys(line[:-1]) for line in cuts]
    for region, clip, strips in self._get_renders(crop):
        render_region = region.intersection(clip)
        render_x = render_region.x
        first_cut, last_cut = render_region.column_span
        for y, strip in zip(render_region.line_range, strips):
            if not is_rendered_line(y):
                continue
            line = chops[y]
            own = [cut for cut in cuts[y] if last_cut >= cut >= first_cut]
            buckets = own[:-1]
            free = [line.get(cut) is None for cut in buckets]
            # divide only where the next bucket's owner differs (or at the end)
            starts = [
                index for index in range(len(buckets))
                if index == 0 or not (free[index] and free[index - 1])
            ]
            ends = [buckets[i] - render_x for i in starts[1:]] + [own[-1] - render_x]
            for start, piece in zip(starts, strip.divide(ends)):
                if not free[start]:
                    continue
                line[buckets[start]] = piece
                index = start + 1
                while index < len(buckets) and free[index] and index not in starts:
                    line[buckets[index]] = _EMPTY
                    index += 1
    return chops


def _shape_is_known() -> bool:
    try:
        parameters = list(inspect.signature(_original).parameters)
    except (TypeError, ValueError):
        return False
    return (
        parameters == ["self", "crop", "is_rendered_line"]
        and hasattr(Compositor, "cuts")
        and hasattr(Compositor, "_get_renders")
        and hasattr(Strip, "divide")
    )


def install() -> bool:
    """Mend the compositor (idempotent); False when Textual's internals have changed."""
    if Compositor._render_chops is _render_chops:
        return True
    if not _shape_is_known():
        return False
    patched: Any = _render_chops
    Compositor._render_chops = patched
    return True
