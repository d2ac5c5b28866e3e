from __future__ import annotations

import datetime as dt
import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

import pytest

from coachbook.core.model import Feedback, Goal
from coachbook.core.progress import goal_progress
from coachbook.render.charts import feedback_chart, goal_chart

NS = "{http://www.w3.org/2000/svg}"
AS_OF = dt.date(2026, 12, 31)
READINGS = (("2026-09-01", 13), ("2026-10-01", 11), ("2026-11-02", 8))
SERIES_STYLE = re.compile(r"^(fill|stroke): var\(--cb-chart-[1-6], #[0-9a-f]{6}\)$")


# --------------------------------------------------------------------------- helpers


def make_goal(
    *,
    baseline: float = 14,
    target: float = 5,
    unit: str = "hours a week",
    readings: Sequence[tuple[str, float]] = READINGS,
    **extra: Any,
) -> Goal:
    return Goal.model_validate(
        {
            "id": "less-firefighting",
            "title": "I run the operation instead of fighting its incidents",
            "specific": "Fewer hours on incidents.",
            "measurable": "Hours a week from the calendar.",
            "achievable": "The team can take the on-call rota.",
            "relevant": "Frees time for strategy.",
            "deadline": "2026-12-31",
            "baseline": baseline,
            "target": target,
            "unit": unit,
            "measurements": [{"date": day, "value": value} for day, value in readings],
            **extra,
        }
    )


def goal_svg(goal: Goal, *, chart_id: str = "goal-1", as_of: dt.date = AS_OF) -> str:
    return goal_chart(goal_progress(goal, as_of), chart_id=chart_id)


def render_goal(goal: Goal, *, as_of: dt.date = AS_OF) -> ET.Element:
    return ET.fromstring(goal_svg(goal, as_of=as_of))


def make_feedback(
    groups: Sequence[tuple[str, int, dict[str, float]]],
    *,
    competencies: Sequence[str] = (),
    scale_max: int = 5,
) -> Feedback:
    return Feedback.model_validate(
        {
            "date": "2026-05-20",
            "scale_max": scale_max,
            "competencies": list(competencies),
            "groups": [{"group": name, "raters": raters, "ratings": ratings} for name, raters, ratings in groups],
        }
    )


FEEDBACK_GROUPS: tuple[tuple[str, int, dict[str, float]], ...] = (
    ("Self", 1, {"Strategic thinking": 3, "Delegation": 4}),
    ("Manager", 1, {"Strategic thinking": 2.5}),
    ("Peers", 5, {"Delegation": 3.4, "Strategic thinking": 3.75}),
)


def render_feedback(feedback: Feedback) -> ET.Element:
    return ET.fromstring(feedback_chart(feedback, chart_id="feedback-1"))


def has_class(element: ET.Element, cls: str) -> bool:
    return cls in (element.get("class") or "").split()


def find(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{NS}{tag}") if has_class(e, cls)]


def texts(root: ET.Element, cls: str) -> list[str]:
    return ["".join(e.itertext()) for e in find(root, "text", cls)]


def one(root: ET.Element, tag: str, cls: str) -> ET.Element:
    found = find(root, tag, cls)
    assert len(found) == 1, f"expected one {tag}.{cls}, found {len(found)}"
    return found[0]


def desc(root: ET.Element) -> str:
    element = root.find(f"{NS}desc")
    assert element is not None
    return element.text or ""


def title(root: ET.Element) -> str:
    element = root.find(f"{NS}title")
    assert element is not None
    return element.text or ""


def local_names(root: ET.Element) -> set[str]:
    return {e.tag.removeprefix(NS) for e in root.iter()}


def point_ys(root: ET.Element) -> list[float]:
    return [float(c.get("cy", "nan")) for c in root.iter(f"{NS}circle")]


def point_xs(root: ET.Element) -> list[float]:
    return [float(c.get("cx", "nan")) for c in root.iter(f"{NS}circle")]


def line_y(root: ET.Element, cls: str) -> float:
    line = one(root, "line", cls)
    assert line.get("y1") == line.get("y2"), "reference lines are horizontal"
    return float(line.get("y1", "nan"))


def plot_y_range(root: ET.Element) -> tuple[float, float]:
    """Top and bottom of the goal chart's y axis (the vertical axis line)."""
    axis = next(e for e in find(root, "line", "cb-chart__axis") if e.get("x1") == e.get("x2"))
    return float(axis.get("y1", "nan")), float(axis.get("y2", "nan"))


def value_axis(root: ET.Element) -> tuple[float, float]:
    """Start and end x of the feedback chart's rating axis (the horizontal axis line)."""
    axis = next(e for e in find(root, "line", "cb-chart__axis") if e.get("y1") == e.get("y2"))
    return float(axis.get("x1", "nan")), float(axis.get("x2", "nan"))


def blocks(root: ET.Element) -> list[ET.Element]:
    return find(root, "g", "cb-chart__competency")


# --------------------------------------------------------------------------- both charts: shared contract


def both_charts(chart_id: str) -> list[str]:
    return [goal_svg(make_goal(), chart_id=chart_id), feedback_chart(make_feedback(FEEDBACK_GROUPS), chart_id=chart_id)]


@pytest.mark.parametrize(("svg_index", "kind"), [(0, "goal"), (1, "feedback")])
def test_root_is_an_accessible_responsive_svg(svg_index: int, kind: str) -> None:
    svg = both_charts("my-chart-2")[svg_index]
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    assert "<?xml" not in svg
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("class") == f"cb-chart cb-chart--{kind}"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "my-chart-2-title my-chart-2-desc"
    assert root.get("width") == "100%"
    assert root.get("height") is None
    assert root.get("preserveAspectRatio") == "xMidYMid meet"
    view_box = [float(n) for n in root.get("viewBox", "").split()]
    assert view_box[:3] == [0, 0, 480] and view_box[3] > 0
    first, second = list(root)[:2]
    assert (first.tag, first.get("id")) == (f"{NS}title", "my-chart-2-title")
    assert (second.tag, second.get("id")) == (f"{NS}desc", "my-chart-2-desc")
    assert first.text and second.text


@pytest.mark.parametrize("svg_index", [0, 1])
def test_output_reads_without_scripts_links_or_fixed_text_colours(svg_index: int) -> None:
    svg = both_charts("c")[svg_index]
    root = ET.fromstring(svg)
    assert not local_names(root) & {"script", "style", "foreignObject", "image", "a", "use"}
    assert re.findall(r"https?://", svg) == ["http://"]  # the xmlns only
    for element in root.iter():
        assert not any("href" in name or name.startswith("on") for name in element.attrib)
        for name in ("fill", "stroke"):
            assert element.get(name) in (None, "currentColor", "none"), element.attrib
        if element.get("style") is not None:
            assert SERIES_STYLE.match(element.get("style", "")), element.get("style")
    text_elements = list(root.iter(f"{NS}text"))
    assert text_elements
    for text in text_elements:
        assert text.get("fill") == "currentColor"
        assert 12 <= float(text.get("font-size", "0")) <= 14
    for grid in find(root, "line", "cb-chart__grid"):
        assert grid.get("stroke") == "currentColor"
        assert float(grid.get("stroke-opacity", "1")) <= 0.3


@pytest.mark.parametrize(
    "chart_id", ["", "Chart", "chart id", "chart_1", "chart\n", "chart-1\n", 'a"b', "<svg>", "caf\u00e9", "a.b"]
)
@pytest.mark.parametrize("chart", ["goal", "feedback"])
def test_invalid_chart_id_is_refused(chart_id: str, chart: str) -> None:
    with pytest.raises(ValueError, match="chart_id"):
        if chart == "goal":
            goal_svg(make_goal(), chart_id=chart_id)
        else:
            feedback_chart(make_feedback(FEEDBACK_GROUPS), chart_id=chart_id)


@pytest.mark.parametrize("chart_id", ["a", "goal-7", "0", "--"])
def test_valid_chart_ids_name_the_title_and_desc(chart_id: str) -> None:
    for svg in both_charts(chart_id):
        root = ET.fromstring(svg)
        ids = {e.get("id") for e in root.iter() if e.get("id")}
        assert ids == {f"{chart_id}-title", f"{chart_id}-desc"}


def test_output_is_deterministic() -> None:
    first = both_charts("same")
    second = both_charts("same")
    assert first == second
    # Equal data in freshly built models gives the same bytes too.
    assert goal_svg(make_goal(), chart_id="same") == first[0]


# --------------------------------------------------------------------------- goal chart


@pytest.mark.parametrize(
    ("readings", "expected"),
    [
        (
            READINGS,
            "From 14 hours a week at baseline to 8 on 2 November 2026; target 5. 67% of the way. "
            "3 readings since 1 September 2026.",
        ),
        (
            (("2026-11-02", 8),),
            "From 14 hours a week at baseline to 8 on 2 November 2026; target 5. 67% of the way. One reading so far.",
        ),
        ((), "Baseline 14 hours a week; target 5. No readings yet."),
        (
            (("2026-03-09", 4.5),),
            "From 14 hours a week at baseline to 4.5 on 9 March 2026; target 5. 100% of the way: target reached. "
            "One reading so far.",
        ),
        (
            (("2026-03-09", 16), ("2026-04-01", 15)),
            "From 14 hours a week at baseline to 15 on 1 April 2026; target 5. "
            "0% of the way: further from the target than at baseline. 2 readings since 9 March 2026.",
        ),
    ],
)
def test_goal_description_summarises_progress_in_words(readings: tuple[tuple[str, float], ...], expected: str) -> None:
    assert desc(render_goal(make_goal(readings=readings))) == expected


def test_goal_description_for_an_increasing_goal() -> None:
    goal = make_goal(baseline=41, target=70, unit="% agreeing", readings=(("2026-06-30", 55.5),))
    assert desc(render_goal(goal)) == (
        "From 41 % agreeing at baseline to 55.5 on 30 June 2026; target 70. 50% of the way. One reading so far."
    )


def test_goal_title_names_the_goal_unless_it_is_confidential() -> None:
    assert "I run the operation instead of fighting its incidents" in title(render_goal(make_goal()))
    hidden = title(render_goal(make_goal(confidential=True)))
    assert "operation" not in hidden
    assert "hours a week" in hidden


@pytest.mark.parametrize("count", [0, 1, 2, 5])
def test_one_point_per_reading(count: int) -> None:
    readings = [(f"2026-0{month}-15", 14 - month) for month in range(1, count + 1)]
    root = render_goal(make_goal(readings=readings))
    assert len(list(root.iter(f"{NS}circle"))) == count
    lines = find(root, "polyline", "cb-chart__line")
    if count >= 2:
        assert len(lines) == 1
        assert len(lines[0].get("points", "").split()) == count
    else:
        assert lines == []
    assert texts(root, "cb-chart__empty") == (["No readings yet"] if count == 0 else [])
    assert texts(root, "cb-chart__value") == ([str(14 - count)] if count else [])


def test_only_readings_up_to_the_as_of_date_are_drawn() -> None:
    root = render_goal(make_goal(), as_of=dt.date(2026, 10, 15))
    assert len(list(root.iter(f"{NS}circle"))) == 2
    assert texts(root, "cb-chart__value") == ["11"]


def test_baseline_and_target_are_labelled_lines_with_different_dashes() -> None:
    root = render_goal(make_goal())
    assert texts(root, "cb-chart__label--baseline") == ["Baseline 14"]
    assert texts(root, "cb-chart__label--target") == ["Target 5"]
    baseline, target = one(root, "line", "cb-chart__baseline"), one(root, "line", "cb-chart__target")
    assert baseline.get("stroke-dasharray") and target.get("stroke-dasharray")
    assert baseline.get("stroke-dasharray") != target.get("stroke-dasharray")
    assert baseline.get("style") != target.get("style")
    assert "hours a week" in texts(root, "cb-chart__axis-label")


@pytest.mark.parametrize(
    ("baseline", "target", "readings"),
    [
        pytest.param(14, 5, READINGS, id="decreasing"),
        pytest.param(41, 70, (("2026-07-01", 43), ("2026-08-01", 52), ("2026-09-01", 49)), id="increasing"),
        pytest.param(10, 20, (("2026-07-01", 25), ("2026-08-01", 2)), id="readings-beyond-both-lines"),
        pytest.param(0, -3, (("2026-07-01", -1.5),), id="negative"),
    ],
)
def test_higher_values_are_drawn_higher_and_inside_the_plot(
    baseline: float, target: float, readings: tuple[tuple[str, float], ...]
) -> None:
    root = render_goal(make_goal(baseline=baseline, target=target, readings=readings))
    drawn = [(baseline, line_y(root, "cb-chart__baseline")), (target, line_y(root, "cb-chart__target"))]
    drawn += list(zip((v for _, v in readings), point_ys(root), strict=True))
    drawn.sort()
    for (low_value, low_y), (high_value, high_y) in itertools.pairwise(drawn):
        if high_value > low_value:
            assert high_y < low_y, drawn
        else:
            assert high_y == pytest.approx(low_y)
    # Padding: nothing sits on the edge of the plot.
    top, bottom = plot_y_range(root)
    assert all(top + 5 < y < bottom - 5 for _, y in drawn)


def test_equal_values_share_a_height() -> None:
    root = render_goal(make_goal(readings=(("2026-09-01", 14), ("2026-10-01", 5))))
    first, second = point_ys(root)
    assert first == pytest.approx(line_y(root, "cb-chart__baseline"))
    assert second == pytest.approx(line_y(root, "cb-chart__target"))


def test_dates_are_spaced_in_proportion_to_time() -> None:
    root = render_goal(make_goal(readings=(("2026-09-01", 12), ("2026-09-11", 10), ("2026-10-01", 9))))
    x1, x2, x3 = point_xs(root)
    assert x1 < x2 < x3
    assert (x2 - x1) / (x3 - x1) == pytest.approx(10 / 30, abs=0.005)


def test_readings_are_drawn_oldest_first_whatever_the_file_order() -> None:
    root = render_goal(make_goal(readings=(("2026-11-02", 8), ("2026-09-01", 13), ("2026-10-01", 11))))
    xs, ys = point_xs(root), point_ys(root)
    assert xs == sorted(xs)
    assert ys == sorted(ys)  # decreasing values over time: each point lower than the one before
    assert texts(root, "cb-chart__value") == ["8"]


@pytest.mark.parametrize(
    ("readings", "pattern", "expected"),
    [
        # British English abbreviates September as "Sept" (CLDR), the other months to three letters.
        pytest.param(READINGS, r"^\d{1,2} [A-Z][a-z]{2,3}$", {"1 Sept", "1 Oct", "2 Nov"}, id="weeks-by-day"),
        pytest.param(
            (("2025-01-15", 13), ("2025-08-01", 11), ("2026-06-30", 8)),
            r"^[A-Z][a-z]{2} \d{4}$",
            {"Apr 2025", "Oct 2025", "Apr 2026"},
            id="months-by-month",
        ),
        pytest.param((("2026-11-02", 8),), r"^2 Nov$", {"2 Nov"}, id="single-reading"),
    ],
)
def test_date_ticks_use_short_labels(readings: tuple[tuple[str, float], ...], pattern: str, expected: set[str]) -> None:
    labels = texts(render_goal(make_goal(readings=readings)), "cb-chart__tick--x")
    assert labels
    assert all(re.match(pattern, label) for label in labels), labels
    assert expected <= set(labels)
    assert len(labels) <= 8


def test_a_long_engagement_is_labelled_every_few_years() -> None:
    goal = make_goal(readings=(("2020-01-15", 13), ("2029-06-01", 8)))
    labels = texts(render_goal(goal, as_of=dt.date(2030, 1, 1)), "cb-chart__tick--x")
    assert labels == ["Jan 2022", "Jan 2024", "Jan 2026", "Jan 2028"]


def test_close_readings_do_not_get_overlapping_date_labels() -> None:
    readings = [(f"2026-09-{day:02d}", 10) for day in range(1, 29)]
    root = render_goal(make_goal(readings=readings))
    ticks = [t for t in find(root, "text", "cb-chart__tick--x")]
    xs = [float(t.get("x", "nan")) for t in ticks]
    assert all(b - a >= 50 for a, b in itertools.pairwise(xs))
    assert "".join(ticks[-1].itertext()) == "28 Sept"  # the latest reading always keeps its label


@pytest.mark.parametrize(
    ("baseline", "target", "reading", "labels"),
    [
        (14.0, 5, 8.0, ("Baseline 14", "Target 5", "8")),
        (2.8, 4.0, 3.5, ("Baseline 2.8", "Target 4", "3.5")),
        (0.004, 0.001, 0.0025, ("Baseline 0.004", "Target 0.001", "0.0025")),
        (-2, 3.25, 1.125, ("Baseline -2", "Target 3.25", "1.13")),
        (10, 0, 2.675, ("Baseline 10", "Target 0", "2.68")),
        # Grouped by thousands, as British English writes numbers.
        (1e9, -1e9, 1.5e8, ("Baseline 1,000,000,000", "Target -1,000,000,000", "150,000,000")),
        (1200, 1500, 1333.0, ("Baseline 1,200", "Target 1,500", "1,333")),
    ],
)
def test_numbers_have_no_needless_decimals(
    baseline: float, target: float, reading: float, labels: tuple[str, str, str]
) -> None:
    root = render_goal(make_goal(baseline=baseline, target=target, readings=(("2026-10-01", reading),)))
    shown = (texts(root, "cb-chart__label--baseline")[0], texts(root, "cb-chart__label--target")[0])
    assert (*shown, texts(root, "cb-chart__value")[0]) == labels
    assert not any(re.search(r"\.0\b", t) for t in texts(root, "cb-chart__tick--y"))


def test_goal_text_from_the_file_is_escaped() -> None:
    unit = "<b>\"x\"</b> & 'co'"
    goal_title = "</title><script>alert(1)</script>"
    svg = goal_svg(make_goal(unit=unit, title=goal_title))
    assert "<b>" not in svg and "<script>" not in svg
    root = ET.fromstring(svg)
    assert not local_names(root) & {"b", "script"}
    assert texts(root, "cb-chart__axis-label") == [unit]
    assert f"14 {unit} at baseline" in desc(root)
    assert title(root).endswith(goal_title)
    tooltips = [c.findtext(f"{NS}title") for c in root.iter(f"{NS}circle")]
    assert tooltips[-1] == f"2 November 2026: 8 {unit}"


def test_characters_xml_forbids_are_dropped_so_the_svg_stays_well_formed() -> None:
    # Validation refuses control characters in a unit; the chart drops them all the same, should one get past.
    root = render_goal(make_goal().model_copy(update={"unit": "hours\x0ba\x01week"}))
    assert texts(root, "cb-chart__axis-label") == ["hoursaweek"]


def test_a_unit_with_control_characters_is_refused() -> None:
    with pytest.raises(ValueError, match="U\\+000B"):
        make_goal(unit="hours\x0ba\x01week")


# --------------------------------------------------------------------------- feedback chart


def bar_rows(root: ET.Element) -> list[tuple[str, str, ET.Element, ET.Element]]:
    """(competency, group label, bar, value text) for every bar, in drawing order."""
    rows: list[tuple[str, str, ET.Element, ET.Element]] = []
    for block in blocks(root):
        heading = texts(block, "cb-chart__heading")[0]
        labels = texts(block, "cb-chart__bar-label")
        bars = find(block, "rect", "cb-chart__bar")
        values = find(block, "text", "cb-chart__bar-value")
        assert len(labels) == len(bars) == len(values)
        rows.extend((heading, label, bar, value) for label, bar, value in zip(labels, bars, values, strict=True))
    return rows


def test_one_bar_per_rating_and_none_where_a_group_did_not_rate() -> None:
    feedback = make_feedback(FEEDBACK_GROUPS, competencies=["Strategic thinking", "Delegation"])
    root = render_feedback(feedback)
    expected = sum(len(g.ratings) for g in feedback.groups)
    assert len(find(root, "rect", "cb-chart__bar")) == expected == 5
    assert [(c, g) for c, g, _, _ in bar_rows(root)] == [
        ("Strategic thinking", "Self"),
        ("Strategic thinking", "Manager"),
        ("Strategic thinking", "Peers"),
        ("Delegation", "Self"),
        ("Delegation", "Peers"),
    ]


@pytest.mark.parametrize(
    ("competencies", "order"),
    [
        pytest.param([], ["Strategic thinking", "Delegation"], id="first-rated"),
        pytest.param(["Delegation", "Strategic thinking"], ["Delegation", "Strategic thinking"], id="listed"),
        pytest.param(["Delegation"], ["Delegation", "Strategic thinking"], id="unlisted-kept-after"),
        pytest.param(["Listening", "Delegation"], ["Delegation", "Strategic thinking"], id="unrated-skipped"),
    ],
)
def test_competency_blocks_follow_the_listed_order_then_first_rated(competencies: list[str], order: list[str]) -> None:
    root = render_feedback(make_feedback(FEEDBACK_GROUPS, competencies=competencies))
    assert [texts(b, "cb-chart__heading")[0] for b in blocks(root)] == order


@pytest.mark.parametrize("scale_max", [5, 7, 10, 100])
def test_bar_lengths_are_proportional_to_rating_over_scale(scale_max: int) -> None:
    ratings = {"A": 0, "B": scale_max / 4, "C": scale_max / 2, "D": scale_max * 0.9, "E": scale_max}
    root = render_feedback(make_feedback([("Peers", 4, ratings)], scale_max=scale_max))
    start, end = value_axis(root)
    rows = bar_rows(root)
    assert [c for c, *_ in rows] == list(ratings)
    for competency, _, bar, value in rows:
        fraction = ratings[competency] / scale_max
        assert float(bar.get("x", "nan")) == pytest.approx(start)
        assert float(bar.get("width", "nan")) == pytest.approx(fraction * (end - start), abs=0.01)
        # The value is printed just past the bar's end.
        assert float(value.get("x", "nan")) == pytest.approx(start + float(bar.get("width", "nan")) + 4, abs=0.02)
    tick_labels = texts(root, "cb-chart__tick--x")
    assert tick_labels[0] == "0" and tick_labels[-1] == str(scale_max)


def test_bar_values_are_printed_without_needless_decimals() -> None:
    root = render_feedback(make_feedback(FEEDBACK_GROUPS))
    values = {(c, g): "".join(v.itertext()) for c, g, _, v in bar_rows(root)}
    assert values[("Strategic thinking", "Self")] == "3"
    assert values[("Strategic thinking", "Peers")] == "3.75"
    assert values[("Delegation", "Peers")] == "3.4"


def test_out_of_scale_rating_is_held_inside_the_axis_but_printed_as_given() -> None:
    root = render_feedback(make_feedback([("Peers", 4, {"A": 7, "B": -1})]))
    start, end = value_axis(root)
    (_, _, over, over_value), (_, _, under, _) = bar_rows(root)
    assert float(over.get("width", "nan")) == pytest.approx(end - start)
    assert "".join(over_value.itertext()) == "7"
    assert float(under.get("width", "nan")) == 0


def test_legend_names_each_group_with_its_number_of_raters() -> None:
    root = render_feedback(make_feedback(FEEDBACK_GROUPS))
    assert texts(root, "cb-chart__legend-label") == ["Self (1 rater)", "Manager (1 rater)", "Peers (5 raters)"]
    assert len(find(root, "rect", "cb-chart__swatch")) == 3


def test_each_group_has_its_own_colour_cycling_after_six() -> None:
    groups = [(f"Group {n}", n, {"A": 1.0}) for n in range(1, 8)]
    root = render_feedback(make_feedback(groups))
    bar_styles = [bar.get("style", "") for bar in find(root, "rect", "cb-chart__bar")]
    swatch_styles = [s.get("style", "") for s in find(root, "rect", "cb-chart__swatch")]
    assert bar_styles == swatch_styles
    assert [re.findall(r"--cb-chart-(\d)", s) for s in bar_styles] == [[str(n)] for n in (1, 2, 3, 4, 5, 6, 1)]
    assert len(set(bar_styles[:6])) == 6
    assert all(SERIES_STYLE.match(s) for s in bar_styles)
    # Colour is not the only cue: every bar is labelled with its group.
    assert [g for _, g, _, _ in bar_rows(root)] == [f"Group {n}" for n in range(1, 8)]


def test_feedback_description_gives_every_rating_in_words() -> None:
    root = render_feedback(make_feedback(FEEDBACK_GROUPS, competencies=["Strategic thinking", "Delegation"]))
    assert desc(root) == (
        "360 feedback of 20 May 2026. Average ratings from 0 to 5 by Self (1 rater), Manager (1 rater), "
        "Peers (5 raters). Strategic thinking: Self 3, Manager 2.5, Peers 3.75. Delegation: Self 4, Peers 3.4."
    )
    assert title(root).endswith("20 May 2026")


@pytest.mark.parametrize(
    "groups",
    [
        pytest.param((), id="no-groups"),
        pytest.param((("Peers", 3, {}), ("Self", 1, {})), id="groups-without-ratings"),
    ],
)
def test_no_ratings_gives_a_short_message(groups: tuple[tuple[str, int, dict[str, float]], ...]) -> None:
    root = render_feedback(make_feedback(groups, competencies=["Delegation"]))
    assert texts(root, "cb-chart__empty") == ["No ratings recorded"]
    assert find(root, "rect", "cb-chart__bar") == []
    assert desc(root) == "No ratings recorded."
    assert root.get("class") == "cb-chart cb-chart--feedback"


def test_feedback_text_from_the_file_is_escaped() -> None:
    group = "<img src=x onerror=alert(1)>"
    competency = '"Quotes" & <b>bold</b>'
    svg = feedback_chart(make_feedback([(group, 2, {competency: 4})]), chart_id="f")
    assert "<img" not in svg and "<b>" not in svg
    root = ET.fromstring(svg)
    assert not local_names(root) & {"img", "b"}
    assert texts(root, "cb-chart__heading") == [competency]
    assert texts(root, "cb-chart__legend-label") == [f"{group} (2 raters)"]
    assert f"{competency}: {group} 4." in desc(root)
    bar = one(root, "rect", "cb-chart__bar")
    assert bar.findtext(f"{NS}title") == f"{group}, {competency}: 4 of 5"


def test_long_group_names_are_shortened_on_the_bar_but_kept_whole_in_words() -> None:
    name = "Members of the regional leadership forum and their deputies"
    root = render_feedback(make_feedback([(name, 9, {"A": 3})]))
    (label,) = texts(root, "cb-chart__bar-label")
    assert label.endswith("\u2026") and len(label) < len(name)
    assert name in desc(root)
    start, _ = value_axis(root)
    assert start <= 480 / 2  # the bars keep at least half the width
