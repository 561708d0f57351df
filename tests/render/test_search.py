"""The search page's parts (mailview/render/search.py): what the summary and the note say, in
the user's language, with every value from the query or a folder name escaped."""

from __future__ import annotations

from django.utils import translation

from mailview.render.search import SearchNote, SearchParts, SearchSummary, live_parts, search_parts
from mailview.services.search import SearchForm


def summary(**changes: object) -> SearchSummary:
    values: dict[str, object] = {
        "total": 1234,
        "first": 51,
        "last": 100,
        "page": 2,
        "pages": 25,
        "folders_searched": None,
        "text_read_in": None,
    }
    return SearchSummary(**{**values, **changes})  # type: ignore[arg-type]


def parts(form: SearchForm, **changes: object) -> SearchParts:
    values: dict[str, object] = {
        "action": "/search/",
        "within": "sender",
        "advanced": False,
        "note": SearchNote(indexed=True, slow_text=False, folder_label="Inbox", folder_messages=9),
        "summary": summary(),
        "rows": [],
        "page_base": "q=a&folder=INBOX",
        "message_root": "/message/",
    }
    return search_parts(form, **{**values, **changes})  # type: ignore[arg-type]


def bound(**data: str) -> SearchForm:
    form = SearchForm({"folder": "INBOX", **data})
    form.is_valid()
    return form


def test_the_count_names_the_hits_of_the_page_and_the_folders_searched():
    assert summary().count == "51–100 of 1,234"
    assert summary(folders_searched=1).count == "51–100 of 1,234 in 1 folder"
    assert summary(folders_searched=7).count == "51–100 of 1,234 in 7 folders"
    assert summary(total=0, first=0, last=0).count == "No messages found"
    assert summary().page_of == "Page 2 of 25"
    assert summary().slow_note is None
    assert "of 100,000." in str(summary(text_read_in=100_000).slow_note)


def test_the_summary_pages_back_and_forth_within_the_same_search():
    drawn = parts(bound(q="a")).summary
    assert 'href="?q=a&amp;folder=INBOX&amp;page=1"' in drawn
    assert 'href="?q=a&amp;folder=INBOX&amp;page=3"' in drawn
    last = parts(bound(q="a"), summary=summary(page=25, first=1201, last=1234)).summary
    assert 'rel="next"' not in last and "Next ›" in last


def test_a_folder_name_in_the_slow_search_warning_is_escaped():
    note = SearchNote(indexed=False, slow_text=True, folder_label="<img src=x>", folder_messages=5)
    drawn = parts(bound(q="a"), note=note).form
    assert "<img" not in drawn
    assert "&lt;img src=x&gt; holds 5 messages" in drawn


def test_the_query_is_shown_escaped_in_the_box():
    drawn = parts(bound(q='"><script>alert(1)</script>')).form
    assert "<script>" not in drawn
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in drawn


def test_the_box_shows_the_servers_default_when_the_query_left_it_open():
    assert '<option value="sender" selected>' in parts(bound(q="a")).form
    chosen = parts(bound(q="a", within="all"), within="all").form
    assert '<option value="all" selected>' in chosen and chosen.count(" selected>") == 1


def test_errors_of_the_form_are_in_the_summary():
    drawn = parts(bound(since="2025-01-02", until="2024-01-01"), summary=None).summary
    assert 'role="alert"' in drawn and "The start date is after the end date." in drawn


def test_the_parts_are_in_the_users_language():
    with translation.override("de"):
        drawn = parts(bound(q="a"), summary=summary(folders_searched=2))
    assert "51–100 von 1.234 in 2 Ordnern" in drawn.summary
    assert "Seite 2 von 25" in drawn.summary


def test_search_as_you_type_gets_the_same_summary_and_rows():
    drawn = parts(bound(q="a"))
    live = live_parts(drawn)
    assert f'<div id="search-summary">{drawn.summary}</div>' in live
    assert f'<tbody id="search-rows">{drawn.rows}</tbody>' in live
    assert "No messages match." in drawn.rows  # rows drawn by the rows' own template
