import pytest

from enterprises.codes import (
    credit_code_error,
    credit_code_normalise,
    industry_code_parse,
    phone_error,
    phone_mask,
)
from enterprises.data.gbt4754_2017 import DIVISIONS, SECTIONS
from enterprises.tests.factories import credit_code

DIVISION_SECTIONS = {digits: section for digits, (section, _n) in DIVISIONS.items()}


def test_the_standard_has_20_sections_and_97_divisions():
    assert len(SECTIONS) == 20 and len(DIVISIONS) == 97
    assert DIVISIONS["38"] == ("C", "电气机械和器材制造业")


def test_the_standards_own_example_passes():
    # The example code printed in GB 32100-2015.
    assert credit_code_error("91350100M000100Y43") is None
    assert credit_code_error("91350100M000100Y44") is not None
    assert credit_code_error(credit_code(1)) is None


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("９１３３０１８５ＭＡ００００００１Ｋ", "91330185MA0000001K"),  # full-width
        (" 91330185 ma0000001k ", "91330185MA0000001K"),
        ("91330185MA000\u30000001K", "91330185MA0000001K"),  # ideographic space
    ],
)
def test_credit_codes_are_normalised(raw, normalised):
    assert credit_code_normalise(raw) == normalised
    assert credit_code_error(normalised) is None


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91330185MA0000001A", "校验码错误：最后一位应为 K"),
        ("91330185MA000001K", "应为 18 位，此处为 17 位"),
        ("91330185MA00I0001K", "不允许的字符：I"),
    ],
)
def test_bad_credit_codes_say_why_in_chinese(code, message):
    assert message in credit_code_error(code)


@pytest.mark.parametrize(
    ("raw", "normalised", "known"),
    [
        ("C", "C", "C"),
        ("C38", "C38", "C38"),
        ("38", "C38", "C38"),
        ("383", "C383", "C38"),
        ("C3831", "C3831", "C38"),
        ("3831", "C3831", "C38"),
        (" c3831 ", "C3831", "C38"),
        ("6510", "I6510", "I65"),
    ],
)
def test_industry_codes_as_real_lists_write_them(raw, normalised, known):
    assert industry_code_parse(raw, DIVISION_SECTIONS) == (normalised, known, None)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("99", "不存在大类 99"),
        ("C01", "大类 01 属于门类 A"),
        ("X1", "无法识别的行业代码"),
        ("C38311", "无法识别的行业代码"),
    ],
)
def test_bad_industry_codes(raw, message):
    _code, known, error = industry_code_parse(raw, DIVISION_SECTIONS)
    assert known == "" and message in error


@pytest.mark.parametrize(
    "phone", ["13812345678", "0571-63712345", "057163712345", "63712345", "0571-63712345-802", ""]
)
def test_valid_phones(phone):
    assert phone_error(phone) is None


@pytest.mark.parametrize("phone", ["1381234567", "23812345678", "12345", "0571-1234"])
def test_invalid_phones(phone):
    assert "不是有效的手机号" in phone_error(phone)


def test_phone_mask():
    assert phone_mask("13812341234") == "138****1234"
    assert phone_mask("0571-63712345") == "057****2345"
