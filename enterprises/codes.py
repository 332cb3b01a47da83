"""Identifiers found on Chinese firm lists: the unified social credit code (GB 32100-2015),
industry codes (GB/T 4754-2017) and phone numbers. Pure functions, no database."""

import re
import unicodedata

from django.utils.translation import gettext as _

# GB 32100-2015: 31 characters, no I, O, Z, S, V.
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CHAR_VALUE = {c: i for i, c in enumerate(CREDIT_CHARSET)}
_SPACES = re.compile(r"\s+")


def normalise(text) -> str:
    """Full-width characters to half-width, surrounding spaces off (what Excel lists contain)."""
    if text is None:
        return ""
    return unicodedata.normalize("NFKC", str(text)).strip()


def credit_code_normalise(value) -> str:
    """Full-width to half-width, every space removed, upper case."""
    if type(value) is str and value.isascii():
        return (value if " " not in value and "\t" not in value else _SPACES.sub("", value)).upper()
    return _SPACES.sub("", normalise(value)).upper()


def credit_check_char(first17: str) -> str:
    total = sum(_CHAR_VALUE[c] * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def credit_code_error(code: str) -> str | None:
    """Why a normalised code is not a valid unified social credit code, or None."""
    if len(code) != 18:
        return _("A unified social credit code has 18 characters; this one has %(n)d.") % {
            "n": len(code)
        }
    bad = sorted({c for c in code if c not in _CHAR_VALUE})
    if bad:
        return _("The credit code contains characters it may not: %(chars)s.") % {
            "chars": "、".join(bad)
        }
    expected = credit_check_char(code[:17])
    if code[17] != expected:
        return _("Wrong check digit: the last character should be %(expected)s, not %(got)s.") % {
            "expected": expected,
            "got": code[17],
        }
    return None


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(0\d{2,3}-?)?[2-9]\d{6,7}(-\d{1,6})?$")


def phone_normalise(value) -> str:
    text = _SPACES.sub("", normalise(value))
    return text.replace("—", "-").replace("－", "-")


def phone_error(phone: str) -> str | None:
    if not phone or _MOBILE.match(phone) or _LANDLINE.match(phone):
        return None
    return _(
        "Not a mainland mobile (11 digits starting with 1) or landline number "
        "(such as 0571-63712345): %(phone)s"
    ) % {"phone": phone}


def phone_mask(phone: str) -> str:
    """138****1234 for a mobile; the middle digits of a landline likewise."""
    digits = phone.replace("-", "")
    if len(digits) < 7:
        return phone
    return f"{digits[:3]}****{digits[-4:]}"


_INDUSTRY = re.compile(r"^([A-T])?(\d{2,4})?$")


def industry_code_parse(value, divisions: dict[str, str]) -> tuple[str, str, str | None]:
    """Read an industry code as real lists write it: a section letter (C), a division (C38 or
    38), a group (C383 or 383) or a class (C3831 or 3831).

    ``divisions`` maps each known two-digit division to its section letter. Returns
    ``(normalised_code, known_code, error)``: the code with its letter (C3831), the most precise
    level we hold (C38, or the section C), and an error message or None."""
    code = credit_code_normalise(value)
    if not code:
        return "", "", None
    match = _INDUSTRY.match(code)
    if (
        not match
        or not (match.group(1) or match.group(2))
        or (match.group(2) and len(match.group(2)) not in (2, 3, 4))
    ):
        return (
            code,
            "",
            _(
                "Unknown industry code %(code)s: write a section letter (C), a division (C38 or 38), "
                "a group (383) or a class (3831) of GB/T 4754-2017."
            )
            % {"code": code},
        )
    letter, digits = match.group(1), match.group(2) or ""
    if not digits:
        return letter, letter, None
    if len(digits) == 3 and digits.endswith("0"):
        # No group (中类) ends in 0: this is a class (小类) whose leading 0 Excel dropped when
        # the cell was a number (0610 → 610). Guessing would file the firm in another section.
        return (
            code,
            "",
            _(
                "Industry code %(code)s is not a group (no group ends in 0). If you mean class "
                "0%(digits)s, format the cell as text and write 0%(digits)s."
            )
            % {"code": code, "digits": digits},
        )
    section = divisions.get(digits[:2])
    if section is None:
        return (
            code,
            "",
            _("Unknown industry code %(code)s: there is no division %(division)s.")
            % {
                "code": code,
                "division": digits[:2],
            },
        )
    if letter and letter != section:
        return (
            code,
            "",
            _(
                "Industry code %(code)s does not agree: division %(division)s belongs to section "
                "%(section)s."
            )
            % {"code": code, "division": digits[:2], "section": section},
        )
    return section + digits, section + digits[:2], None


_LIST_SEPARATORS = re.compile(r"[\s,;，；、]+")


def credit_codes_parse(text: str) -> list[str]:
    """Codes pasted from a spreadsheet column, a mail or a document: one per line or separated
    by spaces, commas or 、; normalised, each once, in the order given."""
    codes = (credit_code_normalise(part) for part in _LIST_SEPARATORS.split(normalise(text)))
    return list(dict.fromkeys(code for code in codes if code))


def is_mobile(phone: str) -> bool:
    return bool(_MOBILE.match(phone or ""))
