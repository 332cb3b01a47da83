import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from core import audit
from core.models import AuditEvent


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1-short", "密码长度太短"),
        ("1234567890123", "只包含数字"),
        ("password1234", "太常见"),
        ("onlylowercaseletters", "至少包含小写字母、大写字母、数字、符号中的 3 类"),
        ("lowercase-and-dashes", "至少包含小写字母、大写字母、数字、符号中的 3 类"),
    ],
)
def test_weak_passwords_are_refused_in_chinese(db, password, message):
    with pytest.raises(ValidationError) as caught:
        validate_password(password)
    assert any(message in text for text in caught.value.messages), caught.value.messages


@pytest.mark.parametrize("password", ["Linan-demo-2026", "qingshanhu2026Lake", "tianmu#shan9"])
def test_strong_passwords_pass(db, password):
    validate_password(password)


def test_user_changes_own_password_and_it_is_recorded(client, cadre, password):
    client.force_login(cadre)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": "Tianmu-Shan-77",
            "new_password2": "Tianmu-Shan-77",
        },
    )
    assert response.status_code == 302
    cadre.refresh_from_db()
    assert cadre.check_password("Tianmu-Shan-77")
    event = AuditEvent.objects.get(action=audit.PASSWORD_CHANGED)
    assert event.actor == cadre and event.before is None and event.after is None
    # The session survives the change, and the start page of the role confirms it.
    home = client.get(response.url, follow=True)
    assert home.status_code == 200
    assert "密码已修改" in home.content.decode()


def test_weak_new_password_is_refused_and_nothing_changes(client, cadre, password):
    client.force_login(cadre)
    response = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": "12345", "new_password2": "12345"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "密码长度太短" in page
    cadre.refresh_from_db()
    assert cadre.check_password(password)
    assert not AuditEvent.objects.filter(action=audit.PASSWORD_CHANGED).exists()


def test_wrong_old_password_is_refused(client, cadre):
    client.force_login(cadre)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "nope",
            "new_password1": "Tianmu-Shan-77",
            "new_password2": "Tianmu-Shan-77",
        },
    )
    assert "旧密码不正确" in response.content.decode()


def test_an_initial_password_must_be_changed_before_anything_else(client, cadre, password):
    cadre.must_change_password = True
    cadre.save(update_fields=["must_change_password"])
    client.force_login(cadre)

    for path in [reverse("core:home"), reverse("core:notifications")]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == reverse("password_change")
    htmx = client.get(reverse("core:home"), headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == reverse("password_change")
    assert client.get(reverse("password_change")).status_code == 200
    same = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": password, "new_password2": password},
    )
    assert "new_password2" in same.context["form"].errors  # the initial one again: refused
    cadre.refresh_from_db()
    assert cadre.must_change_password

    done = client.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": "Tianmu-Shan-77",
            "new_password2": "Tianmu-Shan-77",
        },
    )

    assert done["Location"] == reverse("core:start")
    cadre.refresh_from_db()
    assert not cadre.must_change_password
    assert client.get(reverse("core:home")).status_code == 200
