"""Issue 14, part 8: page titles, one landmark per section, date fields for every keypad, the
deadline form in the reader's language."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from scoring.sheets import extend_deadlines, publish_table


def test_the_title_names_the_page_then_the_site(client):
    html = client.get(reverse("login")).content.decode()
    assert "<title>Đăng nhập · Giao ước</title>" in html


def test_the_deadline_history_is_shown_once(client_as, world):
    import datetime

    publish_table(world.table)
    extend_deadlines(
        world.cluster_year,
        self_score=datetime.date(2024, 11, 20),
        review=datetime.date(2024, 12, 5),
        reason="Bão số 3",
    )
    url = reverse("scoring:sheet_list", args=[world.cluster_year.pk])
    html = client_as("staff").get(url).content.decode()
    assert html.count('aria-labelledby="deadline-history"') == 1
    assert "Bão số 3" in html


def test_date_fields_accept_a_slash_on_every_phone_keypad(client_as, world):
    publish_table(world.table)
    url = reverse("scoring:deadlines", args=[world.cluster_year.pk])
    html = client_as("staff").get(url).content.decode()
    assert 'name="self_score_deadline"' in html
    assert 'inputmode="numeric"' not in html


@pytest.fixture
def _language_restored():
    """A request in English leaves English active in the test's thread: put Vietnamese back,
    so that the tests after this one read the default language."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.mark.usefixtures("_language_restored")
def test_the_deadline_form_reads_in_english_for_an_english_reader(client_as, world):
    publish_table(world.table)
    client = client_as("staff")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("scoring:deadlines", args=[world.cluster_year.pk])).content.decode()
    assert "Self-scoring deadline" in html and "Reason for the change" in html
    assert "Hạn tự chấm điểm" not in html
