"""Draft → adopted → signed; a signed covenant refuses every change, on every path."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from pledges.models import Attendee, Ceremony, Clause, Pledge, PledgeLocked


def sign(pledge: Pledge) -> Pledge:
    pledge.date = datetime.date(2024, 3, 20)
    pledge.save()
    pledge.adopt()
    pledge.sign()
    return Pledge.objects.get(pk=pledge.pk)


def test_status_goes_draft_adopted_signed(world):
    pledge = world.pledge
    with pytest.raises(ValidationError):
        pledge.sign()  # not adopted yet
    pledge.adopt()
    with pytest.raises(ValidationError, match="ngày"):
        pledge.sign()  # no date yet
    pledge.date = datetime.date(2024, 3, 20)
    pledge.save()
    pledge.sign()
    pledge.refresh_from_db()
    assert pledge.is_signed and pledge.signed_at is not None
    assert all(
        s.signed and s.signed_on == datetime.date(2024, 3, 20) for s in pledge.signatories.all()
    )


def test_a_signed_covenant_refuses_changes_in_the_model_layer(world):
    pledge = sign(world.pledge)
    clause = pledge.clauses.first()
    signatory = pledge.signatories.first()
    attempts = [
        lambda: pledge.save(),
        lambda: Pledge.objects.get(pk=pledge.pk).save(update_fields=["title"]),
        lambda: pledge.delete(),
        lambda: Clause.objects.create(pledge=pledge, text="Thêm lén"),
        lambda: clause.save(),
        lambda: clause.delete(),
        lambda: signatory.save(),
        lambda: signatory.delete(),
        lambda: Ceremony.objects.get(pledge=pledge).save(),
        lambda: Attendee.objects.create(
            ceremony=Ceremony.objects.get(pledge=pledge), kind="guest", name="X", organisation="Y"
        ),
        lambda: world.attendee.delete(),
    ]
    for attempt in attempts:
        with pytest.raises(PledgeLocked):
            attempt()
    # A stale copy loaded before the signature cannot slip a change through either.
    assert Pledge.objects.get(pk=pledge.pk).clauses.count() == world.pledge.clauses.count()


def test_reopening_needs_a_reason_which_stays_in_the_history(world):
    pledge = sign(world.pledge)
    with pytest.raises(ValidationError):
        pledge.reopen(reason="  ")
    pledge.reopen(reason="Sai tên đơn vị ký")
    pledge.refresh_from_db()
    assert pledge.is_draft
    assert not pledge.signatories.filter(signed=True).exists()
    reasons = list(pledge.history.values_list("history_change_reason", flat=True))
    assert "Sai tên đơn vị ký" in reasons
    Clause.objects.create(pledge=pledge, text="Được sửa lại")  # changeable again


YEAR = lambda w: {"pk": w.cluster_year.pk}  # noqa: E731
CLAUSE = lambda w: {"pk": w.pledge.clauses.first().pk}  # noqa: E731
SIGNED_EDITS = [
    # (url name, kwargs builder, POST data)
    ("pledges:pledge_edit", YEAR, {"issuer": "X", "place": "Y", "title": "Z"}),
    ("pledges:clause_add", YEAR, {"new-kind": "item", "new-text": "Lén"}),
    ("pledges:clause_edit", CLAUSE, {"kind": "item", "text": "x"}),
    ("pledges:clause_move", CLAUSE, {"direction": "down"}),
    ("pledges:clause_delete", CLAUSE, {}),
    ("pledges:signatory_edit", lambda w: {"pk": w.pledge.signatories.first().pk},
     {"unit_line": "X"}),
    ("pledges:signatories_sync", YEAR, {}),
    ("pledges:ceremony_edit", YEAR, {"venue": "Nơi khác"}),
    ("pledges:attendee_add", YEAR, {"kind": "guest", "name": "A", "organisation": "B"}),
    ("pledges:attendee_delete", lambda w: {"pk": w.attendee.pk}, {}),
]  # fmt: skip


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize(("name", "kwargs", "data"), SIGNED_EDITS, ids=[e[0] for e in SIGNED_EDITS])
def test_signed_covenant_rejects_every_change_through_the_views(
    client_as, world, name, kwargs, data, htmx
):
    sign(world.pledge)
    before = snapshot(world.pledge)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    for persona in ("staff", "leader_clerk"):
        response = client_as(persona).post(reverse(name, kwargs=kwargs(world)), data, **headers)
        assert response.status_code == 403
        assert "Bản giao ước đã ký" in response.content.decode()
    assert snapshot(world.pledge) == before


def snapshot(pledge: Pledge) -> tuple:
    pledge = Pledge.objects.get(pk=pledge.pk)
    return (
        pledge.title,
        pledge.status,
        tuple(pledge.clauses.values_list("pk", "position", "text")),
        tuple(pledge.signatories.values_list("pk", "unit_line", "signer_title", "position")),
        tuple(Ceremony.objects.filter(pledge=pledge).values_list("venue", flat=True)),
        tuple(Attendee.objects.filter(ceremony__pledge=pledge).values_list("pk", flat=True)),
    )


def test_views_walk_the_status_and_only_staff_reopen(client_as, world):
    url = reverse("pledges:pledge_status", args=[world.cluster_year.pk])
    world.pledge.date = datetime.date(2024, 3, 20)
    world.pledge.save()
    clerk = client_as("leader_clerk")
    clerk.post(url, {"action": "adopt"})
    clerk.post(url, {"action": "sign"})
    assert Pledge.objects.get(pk=world.pledge.pk).is_signed
    assert clerk.post(url, {"action": "reopen", "reason": "Sửa"}).status_code == 403
    response = client_as("staff").post(url, {"action": "reopen", "reason": ""}, follow=True)
    assert "Hãy ghi lý do mở lại bản giao ước." in response.content.decode()
    assert Pledge.objects.get(pk=world.pledge.pk).is_signed
    client_as("staff").post(url, {"action": "reopen", "reason": "Sai ngày ký"})
    assert Pledge.objects.get(pk=world.pledge.pk).is_draft
    page = client_as("viewer").get(reverse("pledges:pledge_detail", args=[world.cluster_year.pk]))
    assert "Sai ngày ký" in page.content.decode()  # the reason shows in the history panel


def test_signing_without_a_date_is_explained(client_as, world):
    url = reverse("pledges:pledge_status", args=[world.cluster_year.pk])
    client = client_as("leader_clerk")
    client.post(url, {"action": "adopt"})
    response = client.post(url, {"action": "sign"}, follow=True)
    assert "Hãy ghi ngày của bản giao ước trước khi đánh dấu đã ký." in response.content.decode()
    assert Pledge.objects.get(pk=world.pledge.pk).status == "adopted"


def test_a_stale_copy_cannot_unsign_or_change_a_signed_covenant(world):
    stale = Pledge.objects.get(pk=world.pledge.pk)  # loaded before the signature
    sign(world.pledge)
    stale.title = "Sửa lén"
    with pytest.raises(PledgeLocked):
        stale.save()
    stale.status = "draft"
    with pytest.raises(PledgeLocked):
        stale.save(update_fields=["status"])  # leaving "signed" only through reopen()
    assert Pledge.objects.get(pk=world.pledge.pk).is_signed


def test_bulk_paths_refuse_a_signed_covenant(world):
    pledge = sign(world.pledge)
    clauses = list(pledge.clauses.all())
    for clause in clauses:
        clause.text = "Sửa hàng loạt"
    attempts = [
        lambda: Clause.objects.filter(pledge=pledge).update(text="x"),
        lambda: Clause.objects.filter(pledge=pledge).delete(),
        lambda: Clause.objects.bulk_update(clauses, ["text"]),
        lambda: pledge.signatories.all().update(signer_name="x"),
        lambda: pledge.signatories.all().delete(),
        lambda: Pledge.objects.filter(pk=pledge.pk).update(title="x"),
        lambda: Pledge.objects.filter(pk=pledge.pk).delete(),
        lambda: Ceremony.objects.filter(pledge=pledge).delete(),
        lambda: Ceremony.objects.get(pledge=pledge).delete(),
        lambda: Attendee.objects.filter(ceremony__pledge=pledge).update(name="x"),
        lambda: Attendee.objects.filter(ceremony__pledge=pledge).delete(),
    ]
    for attempt in attempts:
        # bulk_update runs in its own atomic block without a savepoint: give it one here.
        with pytest.raises(PledgeLocked), transaction.atomic():
            attempt()
    assert Pledge.objects.get(pk=pledge.pk).clauses.filter(text="Sửa hàng loạt").count() == 0
    # Other covenants are not affected by the lock.
    assert Clause.objects.filter(pledge=world.other_pledge).update(text="được") > 0


def test_a_long_reopening_reason_is_kept_whole(world):
    pledge = sign(world.pledge)
    reason = "Sai tên người ký của xã Tân Cương; " * 12  # over simple-history's 100 characters
    pledge.reopen(reason=reason)
    assert pledge.history.filter(history_change_reason=reason.strip()).exists()


def test_only_a_signed_covenant_is_reopened(world):
    world.pledge.adopt()
    with pytest.raises(ValidationError):
        world.pledge.reopen(reason="Chưa ký thì sửa trực tiếp")
