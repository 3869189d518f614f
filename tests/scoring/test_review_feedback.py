"""Issue 14, parts 4 and 5: a refused row keeps what was typed (no JavaScript), and the
reviewer's missing-reason error sits next to the reason field, after the row is saved."""

from django.urls import reverse

from scoring.models import Score, ScoreSheet
from tests.scoring.conftest import score, sheet_of
from tests.scoring.test_sheet_views import page


def test_a_refused_value_comes_back_as_typed_without_javascript(client_as, world, round_):
    sheet = sheet_of(round_, world.member)
    target = score(sheet, "1.1")
    url = reverse("scoring:sheet_detail", args=[sheet.pk])
    html = page(
        client_as("member_clerk").post(
            url,
            {f"version-{target.pk}": target.version, f"self-{target.pk}": "99",
             f"note-{target.pk}": "Đạt 98% kế hoạch"},
        )
    )  # fmt: skip
    assert 'value="99"' in html and "Đạt 98% kế hoạch</textarea>" in html
    assert Score.objects.get(pk=target.pk).self_value is None


def test_the_reviewers_reason_error_is_next_to_the_reason_field(client_as, world, round_):
    sheet = sheet_of(round_, world.member)
    ScoreSheet.objects.filter(pk=sheet.pk).update(status="submitted")
    target = score(sheet, "1.1")
    url = reverse("scoring:sheet_detail", args=[sheet.pk])
    leader = client_as("leader_clerk")
    shown = page(leader.get(url))
    row = shown[shown.index(f'id="score-{target.pk}"') :]
    row = row[: row.index("</tr>")]
    # The value field does not save by itself: its reason is saved with it, by the button.
    reviewed_field = row[row.index(f'name="reviewed-{target.pk}"') :]
    assert "hx-post" not in reviewed_field[: reviewed_field.index(">")]
    assert 'data-testid="review-save"' in row
    data = {f"version-{target.pk}": target.version, f"reviewed-{target.pk}": "1"}
    html = page(leader.post(url, {**data, f"reason-{target.pk}": ""}))
    row = html[html.index(f'id="score-{target.pk}"') :]
    row = row[: row.index("</tr>")]
    reason_at = row.index(f'name="reason-{target.pk}"')
    error_at = row.index("Hãy ghi lý do điểm thẩm định khác điểm tự chấm.")
    self_column_ends = row.index('data-label="Minh chứng"')
    assert error_at > reason_at > self_column_ends  # in the reviewed column, under the reason
    assert 'aria-invalid="true"' in row[reason_at - 300 : reason_at + 300]
    assert 'value="1"' in row  # the typed value survives
