"""A learner's timeline keeps their latest LAB_TIMELINE_LENGTH exchanges: older ones go, with
what the page saw of them, and nobody else's."""

import pytest
from django.conf import settings

from lessons.lab.record import trim_timeline
from lessons.models import LabExchange, LabObservation, Learner
from lessons.tests.lab_helpers import recorded_exchange

pytestmark = pytest.mark.django_db


def exchanges_of(learner, count: int) -> list[LabExchange]:
    return [recorded_exchange(learner, number) for number in range(1, count + 1)]


def test_only_the_latest_exchanges_stay_with_their_observations():
    learner, neighbour = Learner.objects.create(), Learner.objects.create()
    kept_length = settings.LAB_TIMELINE_LENGTH
    mine = exchanges_of(learner, kept_length + 7)
    theirs = exchanges_of(neighbour, kept_length + 7)
    for exchange in (mine[0], mine[-1], theirs[0]):
        LabObservation.objects.create(exchange=exchange, document_cookie="a=b")
    trim_timeline(learner)
    assert list(
        LabExchange.objects.filter(learner=learner)
        .order_by("number")
        .values_list("number", flat=True)
    ) == list(range(8, kept_length + 8))
    assert LabExchange.objects.filter(learner=neighbour).count() == kept_length + 7
    assert set(LabObservation.objects.values_list("exchange_id", flat=True)) == {
        mine[-1].pk,
        theirs[0].pk,
    }


def test_a_learner_never_holds_more_than_a_trim_allows(learner):
    """Trimming follows each learner's own count, whatever others record in between."""
    from lessons.lab.record import TRIM_EVERY

    other = Learner.objects.create()
    most = 0
    for _ in range(settings.LAB_TIMELINE_LENGTH + 2 * TRIM_EVERY):
        learner.do("visit")
        for _ in range(4):  # others' exchanges between each two of ours
            recorded_exchange(other, 1)
        most = max(most, LabExchange.objects.exclude(learner=other).count())
    assert settings.LAB_TIMELINE_LENGTH < most < settings.LAB_TIMELINE_LENGTH + TRIM_EVERY
