import pytest

from core.http import id_or_none


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), (" 7 ", 7), (3, 3), ("", None), (None, None), ("²", None), ("١٢", None),
     ("-1", None), ("1e3", None), ("9" * 19, None), ("9" * 18, 10**18 - 1)],
)  # fmt: skip
def test_an_id_is_ascii_digits_a_key_can_hold(value, expected):
    assert id_or_none(value) == expected
