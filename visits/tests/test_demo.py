"""The demo tells the article's story: pairings at three tiers, three campaigns, visits whose
problems wait in the sorting inbox, and a demo cadre with firms both visited and due."""

from io import StringIO

from django.core.management import call_command
from django.db.models import Count

from issues.models import Problem, Slip
from visits.models import (
    Campaign,
    CampaignTarget,
    Meeting,
    MeetingProblem,
    Pairing,
    Visit,
    VisitProblem,
)
from visits.selectors import my_paired_firms


def test_demo_pairings_campaigns_and_visits_hang_together(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())

    tiers = dict(Pairing.objects.values_list("tier").annotate(n=Count("id")))
    assert set(tiers) == set(Pairing.Tier.values)
    assert Campaign.objects.count() == 3
    assert sum(1 for c in Campaign.objects.all() if c.is_current()) == 1

    submitted = Visit.objects.filter(status=Visit.Status.SUBMITTED)
    assert submitted.exists()
    # Every visited target points at a submitted visit of that firm in that campaign.
    for target in CampaignTarget.objects.filter(visit__isnull=False).select_related("visit"):
        assert target.visit.enterprise_id == target.enterprise_id
        assert target.visit.campaign_id == target.campaign_id
        assert target.visited_on == target.visit.visit_date
    # Submitted visits' problems are recorded and wait to be sorted; a draft's are not.
    assert not VisitProblem.objects.filter(visit__status="submitted", problem__isnull=True).exists()
    assert not VisitProblem.objects.filter(visit__status="draft", problem__isnull=False).exists()
    # Every recorded problem came from a survey or a meeting; some wait in the sorting inbox.
    assert Problem.objects.count() == (
        VisitProblem.objects.filter(problem__isnull=False).count() + MeetingProblem.objects.count()
    )
    assert Problem.objects.filter(status=Problem.Status.NEW).exists()

    from core.models import User

    cadre = User.objects.get(username="cadre")
    firms = list(my_paired_firms(cadre))
    assert len(firms) >= 3
    assert any(p.visit_due for p in firms) and not all(p.visit_due for p in firms)
    assert Visit.objects.filter(author=cadre, status=Visit.Status.DRAFT).count() == 1

    # Running it again adds nothing.
    counts = (Pairing.objects.count(), Visit.objects.count(), Problem.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Pairing.objects.count(), Visit.objects.count(), Problem.objects.count()) == counts


def test_demo_meetings_tell_the_symposium_of_the_article(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())

    symposium = Meeting.objects.get(kind=Meeting.Kind.SYMPOSIUM)
    assert symposium.firms.count() == 13
    problems = Problem.objects.filter(meeting_link__meeting=symposium)
    assert problems.count() == 22
    assert set(problems.values_list("channel", flat=True)) == {Problem.Channel.SYMPOSIUM}
    # Held after the last batch: its problems wait to be issued as one document.
    assert set(problems.values_list("status", flat=True)) == {Problem.Status.NEW}
    assert not Slip.objects.filter(problem__in=problems).exists()
    matchmaking = Meeting.objects.get(kind=Meeting.Kind.MATCHMAKING)
    waiting = Problem.objects.filter(meeting_link__meeting=matchmaking)
    assert waiting.exists()
    assert set(waiting.values_list("status", flat=True)) == {Problem.Status.NEW}
    # Running it again adds no meeting.
    call_command("seed_demo", stdout=StringIO())
    assert Meeting.objects.count() == 2
