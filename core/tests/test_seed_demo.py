from io import StringIO

from django.core.management import call_command

from core.demo import DEMO_PASSWORD, DEPARTMENTS, TOWNS
from core.models import Unit, User
from core.roles import Role, user_roles


def run_seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_creates_lin_an_and_one_login_per_role(db, settings):
    settings.DEBUG = True
    output = run_seed()
    assert Unit.objects.filter(kind=Unit.Kind.TOWN).count() == 18
    assert set(Unit.objects.filter(kind=Unit.Kind.TOWN).values_list("name", flat=True)) == set(
        TOWNS
    )
    assert Unit.objects.filter(kind=Unit.Kind.DEPARTMENT).count() == len(DEPARTMENTS) >= 30
    for kind in [Unit.Kind.OFFICE, Unit.Kind.LEADING_GROUP, Unit.Kind.CITY_LEADERS]:
        assert Unit.objects.filter(kind=kind).exists()
    expected = {
        "office": [Role.OFFICE],
        "cadre": [Role.CADRE],
        "unit": [Role.CADRE, Role.HANDLER],
        "leader": [Role.LEADER, Role.COORDINATOR],
        "group": [Role.LEADER, Role.COORDINATOR],
        "enterprise": [Role.ENTERPRISE],
        "admin": [Role.ADMIN],
    }
    for username, roles in expected.items():
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert user_roles(user) == roles
        assert username in output
    assert User.objects.get(username="enterprise").unit.kind == Unit.Kind.ENTERPRISE
    assert User.objects.get(username="group").unit.kind == Unit.Kind.LEADING_GROUP
    assert User.objects.get(username="leader").unit.kind == Unit.Kind.CITY_LEADERS
    assert User.objects.get(username="admin").is_staff
    assert DEMO_PASSWORD in output


def test_seed_is_idempotent(db, settings):
    settings.DEBUG = True
    run_seed()
    counts = (Unit.objects.count(), User.objects.count())
    run_seed()
    assert (Unit.objects.count(), User.objects.count()) == counts


def test_no_demo_logins_without_debug(db, settings):
    settings.DEBUG = False
    output = run_seed()
    assert Unit.objects.filter(kind=Unit.Kind.TOWN).count() == 18
    # The demo's cadres exist as people in pairings, but nobody can log in.
    assert not any(user.has_usable_password() for user in User.objects.all())
    assert not User.objects.filter(username__in=["office", "cadre", "admin"]).exists()
    assert DEMO_PASSWORD not in output


def test_if_empty_leaves_existing_data_alone_but_fills_new_apps(db, settings, unit):
    from enterprises.models import Enterprise

    settings.DEBUG = True
    run_seed("--if-empty")
    # The organisation was there: no departments added. The firms were not: they come, with
    # the towns they stand on.
    assert not Unit.objects.filter(kind=Unit.Kind.DEPARTMENT).exclude(pk=unit.pk).exists()
    firms = Enterprise.objects.count()
    assert firms > 0 and Unit.objects.filter(kind=Unit.Kind.TOWN).count() == 18
    Enterprise.objects.filter(pk=Enterprise.objects.first().pk).update(name="改过的名字")
    run_seed("--if-empty")
    assert Enterprise.objects.filter(name="改过的名字").exists()
    assert Enterprise.objects.count() == firms
