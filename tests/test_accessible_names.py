"""Task-list checkboxes and Material's search dialog get accessible names."""

from __future__ import annotations

import markdown

from coachbook.adapter.accessible_names import name_search_dialog, name_task_boxes

SOURCE = "- [x] Agreement signed\n- [ ] Sessions booked\n\nText.\n\n- [ ] A loose item\n\n- [ ] And another\n"


def test_each_box_is_labelled_by_its_own_item() -> None:
    html = markdown.markdown(
        SOURCE, extensions=["pymdownx.tasklist"], extension_configs={"pymdownx.tasklist": {"custom_checkbox": True}}
    )
    named = name_task_boxes(html)
    for n in range(1, 5):
        assert f'id="cb-task-{n}"' in named
        assert f'aria-labelledby="cb-task-{n}"' in named
    assert "cb-task-5" not in named
    # Only attributes are added: the text and the boxes' state are as before.
    assert named.replace(' id="cb-task-', "").count("checked") == html.count("checked")
    assert "<p><label" in html and "<p><label" in named  # the loose list's items wrap their box in a paragraph


def test_a_page_without_task_lists_is_unchanged() -> None:
    html = markdown.markdown("- one\n- two\n")
    assert name_task_boxes(html) == html


def test_the_search_dialog_is_named_after_its_field_in_the_site_language() -> None:
    html = (
        '<div class="md-search" data-md-component="search" role="dialog">\n'
        '  <input type="text" class="md-search__input" name="query" aria-label="Rechercher" placeholder="Rechercher">'
    )
    assert name_search_dialog(html).startswith(
        '<div class="md-search" data-md-component="search" role="dialog" aria-label="Rechercher">'
    )
    assert name_search_dialog("<p>No search here.</p>") == "<p>No search here.</p>"
