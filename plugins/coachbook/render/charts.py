"""Charts for the client's site, drawn as inline SVG when the site is built.

A coaching site is read on a phone between meetings, printed for a review session, opened in dark mode late at
night, and sometimes heard through a screen reader. So charts are plain SVG strings made at build time: nothing
to download, no JavaScript, and nothing that changes from one build to the next (a rebuild with the same
`--as-of` date must give byte-identical pages).

- Text, axes and gridlines use `currentColor`, so they follow the theme in light and dark mode and print black.
- Series colours come from CSS custom properties (`--cb-chart-1` to `--cb-chart-6`) with fallbacks, so a theme
  can restyle them; series are also told apart by dash pattern or text label, never by colour alone.
- The root has `role="img"` and is labelled by a `<title>` and a plain-language `<desc>`; with `role="img"`
  those are all a screen reader announces, so the description states the numbers in words.
- Every piece of text that comes from an engagement file is XML-escaped in one place (`_el` and `_esc`),
  because the coach's words end up inside markup that the browser parses.
- Words, dates and numbers are in the site's language (`coachbook.core.i18n`). A chart is drawn left to right in
  every language, as time and scales run on most charts, so numbers keep their order on a right-to-left page; each
  label still reads in its own direction (`unicode-bidi: plaintext`), so an Arabic group name reads right to left.

The functions draw whatever they are given: callers pass the *published* view of an engagement (see
`coachbook.core.visibility`), so coach-only readings and rater groups never reach a chart.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal

from coachbook.core.i18n import Language, english
from coachbook.core.model import Feedback, FeedbackGroup, Measurement
from coachbook.core.progress import GoalProgress

__all__ = ["Drawing", "feedback_chart", "feedback_drawing", "goal_chart", "goal_drawing"]

_CHART_ID = re.compile(r"[a-z0-9-]+")
# Characters XML 1.0 forbids even when escaped; a stray one would make the page's SVG ill-formed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_SVG_NS = "http://www.w3.org/2000/svg"
_WIDTH = 480
"""viewBox width. On a 390 px phone a chart is drawn about 360 px wide, so 12-unit text shows at 9 px; the
stylesheet caps the width on wider screens (28rem), so it does not grow past about 14 px there."""
_FONT = 12
_CHAR = 7.0
"""Rough advance of one 12-unit glyph: only used to keep labels from running into each other."""
_ELLIPSIS = "\u2026"
_DECIMALS = Context(prec=400)
"""Enough digits for any finite float written out in full, so rounding never overflows the context."""
_PALETTE = ("#3f51b5", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00")
"""Fallback series colours, readable on light and dark backgrounds; themes override `--cb-chart-N`."""
_GRID_OPACITY = "0.15"
_AXIS_OPACITY = "0.6"

# Goal chart geometry.
_GOAL_HEIGHT = 300
_Y_PADDING = 0.1
"""Share of the value range added above and below, so no line sits on the frame."""
_X_INSET = 16.0
"""Gap between the y axis and the first reading (and the last reading and the plot's edge)."""
_DAY_TICKS_MAX_DAYS = 92
"""Up to about a quarter, readings are labelled by day ("2 Nov"); beyond it, by month ("Nov 2026")."""
_MAX_MONTH_TICKS = 6
_MIN_TICK_GAP = 64.0
_VALUE_CHAR = 8.0
"""Advance of one glyph of the bold 13-unit latest value."""
_LABEL_GAP = 15.0

# Feedback chart geometry.
_EDGE = 16.0
_LEGEND_ROW = 20.0
_HEADING_HEIGHT = 22.0
_BAR_ROW = 20.0
_BAR_HEIGHT = 14.0
_BLOCK_GAP = 10.0
_VALUE_ROOM = 48.0

_Attrs = Mapping[str, str | float]


@dataclass(frozen=True)
class _Box:
    """The plot area inside the margins, in viewBox units."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


# --------------------------------------------------------------------------- public API


@dataclass(frozen=True)
class Drawing:
    """A chart drawn once, for a site that shows it on several pages, each under ids of its own (`svg`).

    Everything but the ids of its title and description is the same wherever it is shown.
    """

    kind: str
    height: float
    title: str
    desc: str
    body: tuple[str, ...]

    def svg(self, chart_id: str) -> str:
        """The chart as a complete `<svg>` element whose title and description take ids from `chart_id`.

        Raises:
            ValueError: If `chart_id` is not made of lower-case letters, digits and hyphens.
        """
        _check_chart_id(chart_id)
        return _svg(self.kind, chart_id, self.height, self.title, self.desc, self.body)


def goal_chart(progress: GoalProgress, *, chart_id: str, language: Language | None = None) -> str:
    """Draw a goal's readings over time against its baseline and target (`goal_drawing`), ids from `chart_id`.

    Raises:
        ValueError: If `chart_id` is not made of lower-case letters, digits and hyphens.
    """
    _check_chart_id(chart_id)
    return goal_drawing(progress, language=language).svg(chart_id)


def feedback_chart(feedback: Feedback, *, chart_id: str, language: Language | None = None) -> str:
    """Draw 360 feedback as horizontal bars (`feedback_drawing`), ids from `chart_id`.

    Raises:
        ValueError: If `chart_id` is not made of lower-case letters, digits and hyphens.
    """
    _check_chart_id(chart_id)
    return feedback_drawing(feedback, language=language).svg(chart_id)


def goal_drawing(progress: GoalProgress, *, language: Language | None = None) -> Drawing:
    """Draw a goal's readings over time against its baseline and target.

    The readings form a line with a dot per reading and the latest value printed beside it; the baseline and
    target are dashed horizontal lines with different dash patterns, each labelled in words, so the chart reads
    without colour. The y range always covers baseline, target and every reading, whichever way the goal runs.

    A confidential goal's wording is kept out of the chart's title, because the same chart may be shown to the
    sponsor, who sees progress but not the goal itself.

    Args:
        progress: The goal's progress as of the build date; its readings are drawn oldest first.
        language: The language of the chart's words, dates and numbers; British English by default.

    Returns:
        The chart, to be made a complete `<svg>` element (without an XML declaration) by `Drawing.svg`.
    """
    language = language or english()
    goal = progress.goal
    readings = sorted(progress.measurements, key=lambda m: m.date)
    values = [m.value for m in readings]
    lowest = min(goal.baseline, goal.target, *values)
    highest = max(goal.baseline, goal.target, *values)
    padding = (highest - lowest) * _Y_PADDING
    y_min, y_max = lowest - padding, highest + padding
    y_ticks = [(value, language.number(text)) for value, text in _value_ticks(y_min, y_max)]

    baseline_label = language.tr("Baseline %(value)s", value=_num(goal.baseline, language))
    target_label = language.tr("Target %(value)s", value=_num(goal.target, language))
    left = _clamp(16 + _CHAR * max((len(text) for _, text in y_ticks), default=1), 40, 160)
    right = _clamp(16 + _CHAR * max(len(baseline_label), len(target_label)), 88, 220)
    box = _Box(left=left, top=44, right=_WIDTH - right, bottom=_GOAL_HEIGHT - 40)

    def y_of(value: float) -> float:
        return box.bottom - (value - y_min) / (y_max - y_min) * box.height

    body: list[str] = []
    for value, text in y_ticks:
        y = y_of(value)
        body.append(_line(box.left, y, box.right, y, cls="cb-chart__grid", opacity=_GRID_OPACITY))
        body.append(_text(box.left - 8, y, text, cls="cb-chart__tick cb-chart__tick--y", anchor="end", middle=True))
    body.append(_line(box.left, box.top, box.left, box.bottom, cls="cb-chart__axis", opacity=_AXIS_OPACITY))
    body.append(_line(box.left, box.bottom, box.right, box.bottom, cls="cb-chart__axis", opacity=_AXIS_OPACITY))
    body.append(_text(_EDGE, 24, _clip(goal.unit, int((_WIDTH - 2 * _EDGE) / _CHAR)), cls="cb-chart__axis-label"))

    body.extend(_reference_lines(box, y_of(goal.baseline), y_of(goal.target), baseline_label, target_label))

    if not readings:
        body.append(
            _text(
                (box.left + box.right) / 2,
                (box.top + box.bottom) / 2,
                language.gettext("No readings yet"),
                cls="cb-chart__empty",
                anchor="middle",
                middle=True,
                size=14,
            )
        )
    else:
        # Room right of the newest dot for its value, so the label never crosses the line leading to it.
        right_inset = max(_X_INSET, 12 + _VALUE_CHAR * len(_num(readings[-1].value, language)))
        x_of = _date_scale(readings[0].date, readings[-1].date, box, right_inset)
        body.extend(_date_axis([m.date for m in readings], x_of, box, language))
        points = [(x_of(m.date), y_of(m.value)) for m in readings]
        body.extend(
            _reading_series(readings, points, goal.unit, box, (y_of(goal.baseline), y_of(goal.target)), language)
        )

    return Drawing(
        "goal", _GOAL_HEIGHT, _goal_title(progress, language), _goal_summary(progress, readings, language), tuple(body)
    )


def feedback_drawing(feedback: Feedback, *, language: Language | None = None) -> Drawing:
    """Draw 360 feedback as horizontal bars: a block per competency, a bar per rater group.

    Each bar carries its group's name at its start and its rating at its end, so groups are told apart by text
    as well as by colour; a legend gives each group's number of raters, which is what makes an average from
    one manager and an average from eight peers comparable. A group that did not rate a competency simply has
    no bar in that block.

    Args:
        feedback: The feedback round; competencies are shown in `feedback.competencies` order, then any others
            in the order first rated.
        language: The language of the chart's words, dates and numbers; British English by default.

    Returns:
        The chart, to be made a complete `<svg>` element (without an XML declaration) by `Drawing.svg`.
    """
    language = language or english()
    groups = list(feedback.groups)
    competencies = [c for c in _competency_order(feedback) if any(c in g.ratings for g in groups)]
    if feedback.date is not None:
        title = language.tr(
            "360 feedback: average rating by competency and rater group, %(day)s", day=language.date(feedback.date)
        )
    else:
        title = language.gettext("360 feedback: average rating by competency and rater group")
    if not competencies:
        empty = language.gettext("No ratings recorded")
        body = [_text(_WIDTH / 2, 60, empty, cls="cb-chart__empty", anchor="middle", middle=True, size=14)]
        return Drawing("feedback", 120, title, language.gettext("No ratings recorded."), tuple(body))

    body = []
    legend, y = _legend(groups, top=_EDGE, language=language)
    body.append(legend)
    y += 12

    label_width = _clamp(24 + _CHAR * max(len(g.group) for g in groups), 96, 200)
    label_chars = int((label_width - 24) / _CHAR)
    x0, x1 = _EDGE + label_width, _WIDTH - _VALUE_ROOM
    scale = feedback.scale_max
    ticks = [
        (value, language.number(text))
        for value, text in ([(float(i), str(i)) for i in range(scale + 1)] if scale <= 10 else _value_ticks(0, scale))
    ]

    def x_of(value: float) -> float:
        return x0 + _clamp(value / scale, 0.0, 1.0) * (x1 - x0)

    for competency in competencies:
        parts = [_text(_EDGE, y + 14, _clip(competency, 80), cls="cb-chart__heading", size=13, weight="600")]
        top = y + _HEADING_HEIGHT
        rows = [(i, g) for i, g in enumerate(groups) if competency in g.ratings]
        bottom = top + _BAR_ROW * len(rows)
        parts.extend(
            _line(x_of(v), top, x_of(v), bottom, cls="cb-chart__grid", opacity=_GRID_OPACITY) for v, _ in ticks
        )
        parts.append(_line(x0, top, x0, bottom, cls="cb-chart__axis", opacity=_AXIS_OPACITY))
        for row, (index, group) in enumerate(rows):
            parts.extend(_bar(group, index, competency, scale, top + row * _BAR_ROW, x0, x_of, label_chars, language))
        body.append(_el("g", {"class": "cb-chart__competency"}, *parts))
        y = bottom + _BLOCK_GAP

    body.append(_line(x0, y, x1, y, cls="cb-chart__axis", opacity=_AXIS_OPACITY))
    for value, text in ticks:
        body.append(_line(x_of(value), y, x_of(value), y + 5, cls="cb-chart__tick-mark", opacity=_AXIS_OPACITY))
        body.append(_text(x_of(value), y + 18, text, cls="cb-chart__tick cb-chart__tick--x", anchor="middle"))
    axis = language.tr("Average rating, 0 to %(scale)s", scale=scale)
    body.append(_text((x0 + x1) / 2, y + 38, axis, cls="cb-chart__axis-label", anchor="middle"))
    height = math.ceil(y + 50)
    return Drawing("feedback", height, title, _feedback_summary(feedback, competencies, language), tuple(body))


# --------------------------------------------------------------------------- goal chart parts


def _goal_title(progress: GoalProgress, language: Language) -> str:
    goal = progress.goal
    if goal.confidential:
        return language.tr("Progress towards a goal, in %(unit)s", unit=goal.unit)
    return language.tr("Progress towards the goal: %(goal)s", goal=goal.title)


def _goal_summary(progress: GoalProgress, readings: Sequence[Measurement], language: Language) -> str:
    """Say in words what the chart shows: a screen reader announces this instead of the drawing."""
    goal = progress.goal
    baseline, target, unit = _num(goal.baseline, language), _num(goal.target, language), goal.unit
    if not readings:
        return language.tr(
            "Baseline %(baseline)s %(unit)s; target %(target)s. No readings yet.",
            baseline=baseline,
            unit=unit,
            target=target,
        )
    latest = progress.latest or readings[-1]
    sentences = [
        language.tr(
            "From %(baseline)s %(unit)s at baseline to %(value)s on %(day)s; target %(target)s.",
            baseline=baseline,
            unit=unit,
            value=_num(latest.value, language),
            day=language.date(latest.date),
            target=target,
        )
    ]
    percent = language.percent(progress.percent)
    if progress.achieved:
        sentences.append(language.tr("%(percent)s of the way: target reached.", percent=percent))
    elif progress.fraction < 0:
        sentences.append(
            language.tr("%(percent)s of the way: further from the target than at baseline.", percent=percent)
        )
    else:
        sentences.append(language.tr("%(percent)s of the way.", percent=percent))
    sentences.append(
        language.ntr(
            "One reading so far.",
            "%(num)s readings since %(day)s.",
            len(readings),
            day=language.date(readings[0].date),
        )
    )
    return " ".join(sentences)


def _reference_lines(box: _Box, y_baseline: float, y_target: float, baseline: str, target: str) -> list[str]:
    """Baseline and target as dashed lines (different dashes), each with its label in the right margin."""
    # Labels of nearby lines are pushed apart so they never overprint; the upper line keeps the upper label.
    label_baseline, label_target = y_baseline, y_target
    if abs(y_baseline - y_target) < _LABEL_GAP:
        middle = (y_baseline + y_target) / 2
        upper, lower = middle - _LABEL_GAP / 2, middle + _LABEL_GAP / 2
        label_baseline, label_target = (upper, lower) if y_baseline <= y_target else (lower, upper)
    return [
        _line(
            box.left,
            y_baseline,
            box.right,
            y_baseline,
            cls="cb-chart__baseline",
            style=_series("stroke", 1),
            width=2,
            dash="8 5",
        ),
        _line(
            box.left,
            y_target,
            box.right,
            y_target,
            cls="cb-chart__target",
            style=_series("stroke", 2),
            width=2,
            dash="2 4",
        ),
        _text(box.right + 8, label_baseline, baseline, cls="cb-chart__label cb-chart__label--baseline", middle=True),
        _text(box.right + 8, label_target, target, cls="cb-chart__label cb-chart__label--target", middle=True),
    ]


def _date_scale(first: dt.date, last: dt.date, box: _Box, right_inset: float) -> Callable[[dt.date], float]:
    """Place dates proportionally to the days between them; a single date sits in the middle."""
    span = (last - first).days
    if span == 0:
        return lambda _day: (box.left + box.right) / 2
    usable = box.width - _X_INSET - right_inset
    return lambda day: box.left + _X_INSET + (day - first).days / span * usable


def _date_axis(dates: Sequence[dt.date], x_of: Callable[[dt.date], float], box: _Box, language: Language) -> list[str]:
    first, last = dates[0], dates[-1]
    if (last - first).days <= _DAY_TICKS_MAX_DAYS:
        candidates = [(x_of(day), language.day_month(day)) for day in dict.fromkeys(dates)]
    else:
        candidates = [(x_of(day), language.month_year(day)) for day in _month_starts(first, last)]
    # Keep labels from overlapping, working back from the newest so the latest reading is always labelled.
    kept: list[tuple[float, str]] = []
    for x, label in reversed(candidates):
        if not kept or kept[-1][0] - x >= _MIN_TICK_GAP:
            kept.append((x, label))
    parts: list[str] = []
    for x, label in reversed(kept):
        parts.append(_line(x, box.bottom, x, box.bottom + 5, cls="cb-chart__tick-mark", opacity=_AXIS_OPACITY))
        parts.append(_text(x, box.bottom + 20, label, cls="cb-chart__tick cb-chart__tick--x", anchor="middle"))
    return parts


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    """First days of months between two dates, thinned to a regular stride (1, 2, 3, 6, 12 … months)."""
    start = first.year * 12 + first.month - 1 + (1 if first.day > 1 else 0)
    end = last.year * 12 + last.month - 1
    months = range(start, end + 1)
    stride = 1
    for candidate in (1, 2, 3, 6, 12):
        stride = candidate
        if sum(1 for m in months if m % stride == 0) <= _MAX_MONTH_TICKS:
            break
    else:
        stride = 12 * math.ceil(len(months) / (12 * _MAX_MONTH_TICKS))
    return [dt.date(m // 12, m % 12 + 1, 1) for m in months if m % stride == 0]


def _reading_series(
    readings: Sequence[Measurement],
    points: Sequence[tuple[float, float]],
    unit: str,
    box: _Box,
    reference_ys: Sequence[float],
    language: Language,
) -> list[str]:
    parts: list[str] = []
    if len(points) > 1:
        parts.append(
            _el(
                "polyline",
                {
                    "class": "cb-chart__line",
                    "points": " ".join(f"{_coord(x)},{_coord(y)}" for x, y in points),
                    "fill": "none",
                    "style": _series("stroke", 0),
                    "stroke-width": 2.5,
                    "stroke-linejoin": "round",
                    "stroke-linecap": "round",
                },
            )
        )
    for reading, (x, y) in zip(readings, points, strict=True):
        tooltip = language.tr(
            "%(day)s: %(value)s %(unit)s",
            day=language.date(reading.date),
            value=_num(reading.value, language),
            unit=unit,
        )
        attrs: dict[str, str | float] = {
            "class": "cb-chart__point",
            "cx": x,
            "cy": y,
            "r": 4.5,
            "style": _series("fill", 0),
        }
        parts.append(_el("circle", attrs, _el("title", {}, _esc(tooltip))))

    # The latest value sits just right of its dot (the line arrives from the left), nudged up or down when a
    # baseline or target line runs through that spot.
    x, y = points[-1]
    label_y = y
    for candidate in (y, y - 13, y + 13, y - 26, y + 26):
        inside = box.top + 8 <= candidate <= box.bottom - 8
        if inside and all(abs(candidate - ref) >= 9 for ref in reference_ys):
            label_y = candidate
            break
    latest = _num(readings[-1].value, language)
    parts.append(_text(x + 8, label_y, latest, cls="cb-chart__value", middle=True, size=13, weight="700"))
    return parts


# --------------------------------------------------------------------------- feedback chart parts


def _competency_order(feedback: Feedback) -> list[str]:
    """The coach's order first, then competencies nobody listed, in the order first rated (never dropped)."""
    order = dict.fromkeys(feedback.competencies)
    for group in feedback.groups:
        for competency in group.ratings:
            order.setdefault(competency, None)
    return list(order)


def _raters(group: FeedbackGroup, language: Language) -> str:
    return language.ntr("%(num)s rater", "%(num)s raters", group.raters)


def _legend(groups: Sequence[FeedbackGroup], *, top: float, language: Language) -> tuple[str, float]:
    """Lay out the legend in rows that wrap at the chart's width; return it and the y just below it."""
    items: list[str] = []
    x, y = _EDGE, top
    for index, group in enumerate(groups):
        label = language.tr("%(group)s (%(raters)s)", group=_clip(group.group, 40), raters=_raters(group, language))
        width = 18 + _CHAR * len(label)
        if x > _EDGE and x + width > _WIDTH - _EDGE:
            x, y = _EDGE, y + _LEGEND_ROW
        swatch: dict[str, str | float] = {"class": "cb-chart__swatch", "x": x, "y": y, "width": 12, "height": 12}
        items.append(_el("rect", {**swatch, "rx": 2, "style": _series("fill", index)}))
        items.append(_text(x + 18, y + 6, label, cls="cb-chart__legend-label", middle=True))
        x += width + 20
    return _el("g", {"class": "cb-chart__legend"}, *items), y + _LEGEND_ROW


def _bar(
    group: FeedbackGroup,
    index: int,
    competency: str,
    scale: int,
    row_top: float,
    x0: float,
    x_of: Callable[[float], float],
    label_chars: int,
    language: Language,
) -> list[str]:
    rating = group.ratings[competency]
    middle = row_top + _BAR_ROW / 2
    end = x_of(rating)
    attrs: dict[str, str | float] = {
        "class": "cb-chart__bar",
        "x": x0,
        "y": middle - _BAR_HEIGHT / 2,
        "width": end - x0,
        "height": _BAR_HEIGHT,
        "rx": 2,
        "style": _series("fill", index),
    }
    tooltip = language.tr(
        "%(group)s, %(competency)s: %(rating)s of %(scale)s",
        group=group.group,
        competency=competency,
        rating=_num(rating, language),
        scale=scale,
    )
    return [
        _text(x0 - 8, middle, _clip(group.group, label_chars), cls="cb-chart__bar-label", anchor="end", middle=True),
        _el("rect", attrs, _el("title", {}, _esc(tooltip))),
        _text(end + 4, middle, _num(rating, language), cls="cb-chart__bar-value", middle=True),
    ]


def _feedback_summary(feedback: Feedback, competencies: Sequence[str], language: Language) -> str:
    """Every rating in words, so a screen-reader user gets the whole chart, not a caption."""
    groups = language.items(
        language.tr("%(group)s (%(raters)s)", group=g.group, raters=_raters(g, language)) for g in feedback.groups
    )
    if feedback.date:
        intro = language.tr(
            "360 feedback of %(day)s. Average ratings from 0 to %(scale)s by %(groups)s.",
            day=language.date(feedback.date),
            scale=feedback.scale_max,
            groups=groups,
        )
    else:
        intro = language.tr(
            "360 feedback. Average ratings from 0 to %(scale)s by %(groups)s.", scale=feedback.scale_max, groups=groups
        )
    sentences = [intro]
    for competency in competencies:
        rated = language.items(
            language.tr("%(group)s %(rating)s", group=g.group, rating=_num(g.ratings[competency], language))
            for g in feedback.groups
            if competency in g.ratings
        )
        sentences.append(language.tr("%(competency)s: %(ratings)s.", competency=competency, ratings=rated))
    return " ".join(sentences)


# --------------------------------------------------------------------------- SVG primitives


def _check_chart_id(chart_id: str) -> None:
    # fullmatch, not `^...$`: `$` also matches before a trailing newline.
    if not isinstance(chart_id, str) or _CHART_ID.fullmatch(chart_id) is None:
        raise ValueError(f"chart_id must be lower-case letters, digits and hyphens, got {chart_id!r}")


def _svg(kind: str, chart_id: str, height: float, title: str, desc: str, body: Sequence[str]) -> str:
    """Wrap a chart body in the root element every chart shares: responsive, labelled, no fixed size."""
    root = {
        "xmlns": _SVG_NS,
        "class": f"cb-chart cb-chart--{kind}",
        # Drawn left to right on every page: on a right-to-left page, `start` and `end` keep their meaning.
        "direction": "ltr",
        "viewBox": f"0 0 {_WIDTH} {_coord(height)}",
        "width": "100%",
        "preserveAspectRatio": "xMidYMid meet",
        "role": "img",
        "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
    }
    lines = [
        f"<svg{_attrs(root)}>",
        _el("title", {"id": f"{chart_id}-title"}, _esc(title)),
        _el("desc", {"id": f"{chart_id}-desc"}, _esc(desc)),
        *body,
        "</svg>",
    ]
    return "\n".join(lines)


def _el(name: str, attrs: _Attrs, *children: str) -> str:
    """One element; attribute values are escaped here, children are markup that was escaped when built."""
    rendered = _attrs(attrs)
    if not children:
        return f"<{name}{rendered}/>"
    return f"<{name}{rendered}>{''.join(children)}</{name}>"


def _attrs(attrs: _Attrs) -> str:
    return "".join(f' {key}="{_esc(_attr(value))}"' for key, value in attrs.items())


def _text(
    x: float,
    y: float,
    content: str,
    *,
    cls: str,
    anchor: str = "start",
    middle: bool = False,
    size: int = _FONT,
    weight: str | None = None,
) -> str:
    """A text element in the page's text colour; `middle` centres it vertically on `y`."""
    attrs: dict[str, str | float] = {"class": cls, "x": x, "y": y}
    if middle:
        attrs["dy"] = "0.35em"
    if anchor != "start":
        attrs["text-anchor"] = anchor
    attrs["fill"] = "currentColor"
    attrs["font-size"] = size
    # Each label reads in the direction of its own first letter; numbers alone keep the chart's.
    attrs["unicode-bidi"] = "plaintext"
    if weight is not None:
        attrs["font-weight"] = weight
    return _el("text", attrs, _esc(content))


def _line(
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    *,
    cls: str,
    opacity: str | None = None,
    style: str | None = None,
    width: float = 1,
    dash: str | None = None,
) -> str:
    """A line in the text colour (axes, grid) unless a series `style` gives it a theme colour."""
    attrs: dict[str, str | float] = {"class": cls, "x1": x1, "y1": y1, "x2": x2, "y2": y2}
    if style is None:
        attrs["stroke"] = "currentColor"
    else:
        attrs["style"] = style
    if opacity is not None:
        attrs["stroke-opacity"] = opacity
    attrs["stroke-width"] = width
    if dash is not None:
        attrs["stroke-dasharray"] = dash
    return _el("line", attrs)


def _series(prop: str, index: int) -> str:
    """A series colour as a themeable custom property with a fallback, cycling through six."""
    n = index % len(_PALETTE)
    return f"{prop}: var(--cb-chart-{n + 1}, {_PALETTE[n]})"


def _esc(text: str) -> str:
    return html.escape(_NOT_XML.sub("", text), quote=True)


def _attr(value: str | float) -> str:
    return value if isinstance(value, str) else _coord(value)


def _clip(text: str, max_chars: int) -> str:
    """Shorten a label that would run off the chart; the full text stays in the description and tooltips."""
    max_chars = max(max_chars, 2)
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + _ELLIPSIS


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


# --------------------------------------------------------------------------- numbers and dates


def _trim(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _coord(value: float) -> str:
    """A coordinate with fixed precision, so output is byte-stable and compact."""
    return _trim(f"{value:.2f}")


def _num(value: float, language: Language) -> str:
    """A value as a person would write it: 14 not 14.0, 3.5 stays 3.5 (3,5 in German), 0.004 keeps its digits."""
    magnitude = abs(value)
    decimals = 2 if magnitude >= 1 or magnitude == 0 else min(8, 2 - math.floor(math.log10(magnitude)))
    # Round the number as written (repr), half up, the way a person would: 1.125 shows as 1.13, not 1.12.
    exact = Decimal(repr(float(value)))
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP, context=_DECIMALS)
    return language.number(_trim(format(rounded, "f")))


def _value_ticks(low: float, high: float, count: int = 5) -> list[tuple[float, str]]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) inside a range, with their labels."""
    span = high - low
    if not (math.isfinite(span) and span > 0):
        return []
    raw = span / count
    exponent = math.floor(math.log10(raw))
    step, decimals = 10.0 ** (exponent + 1), max(0, -exponent - 1)
    for multiple, extra in ((1, 0), (2, 0), (2.5, 1), (5, 0)):
        if multiple * 10.0**exponent >= raw * (1 - 1e-9):
            step, decimals = multiple * 10.0**exponent, max(0, extra - exponent)
            break
    first, last = low / step, high / step
    if not (math.isfinite(first) and math.isfinite(last)):
        return []
    return [
        (k * step, _trim(f"{k * step:.{decimals}f}"))
        for k in range(math.ceil(first - 1e-9), math.floor(last + 1e-9) + 1)
    ]
