"""Validators for Chinese identifiers: the USCC (GB 32100-2015) and phone numbers."""

from __future__ import annotations

import functools

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .text import compact

# GB 32100-2015: 31 characters (digits and capitals without I, O, Z, S, V).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# First character: registration authority (1 organs, 5 civil affairs, 9 market regulation,
# Y others, …); second: organisation type. Authorities that use letters are valid too.
USCC_AUTHORITIES = "123456789ANY"


def uscc_check_character(first17: str) -> str:
    """The 18th character of a USCC whose first 17 characters are given."""
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalise_uscc(value) -> str:
    return compact(value).upper()


def validate_uscc(value: str) -> None:
    code = normalise_uscc(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)d."),
            code="uscc_length",
            params={"count": len(code)},
        )
    bad = [ch for ch in code if ch not in USCC_ALPHABET]
    if bad:
        raise ValidationError(
            _("The character “%(char)s” cannot appear in a unified social credit code."),
            code="uscc_character",
            params={"char": bad[0]},
        )
    if code[0] not in USCC_AUTHORITIES:
        raise ValidationError(
            _("“%(char)s” is not a registration authority code."), code="uscc_authority", params={"char": code[0]}
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("Characters 3–8 of a unified social credit code are the region code and must be digits."),
            code="uscc_region",
        )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("The check character is wrong: the code should end in “%(expected)s”."),
            code="uscc_check",
            params={"expected": expected},
        )


def normalise_phone(value) -> str:
    """A Chinese phone number in its plain national form: 13812345678 or 0537-1234567."""
    return _normalised_phone(compact(value).replace("－", "-"))


# Parsing a number is slow (about 0.2 ms), and a roster import asks for the same numbers several
# times (reading the cell, cleaning the contact, checking the model), so the answers are kept.
@functools.lru_cache(maxsize=16384)
def _normalised_phone(raw: str) -> str:
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        return raw
    if not phonenumbers.is_valid_number(number):
        return raw
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.FIXED_LINE:
        area, _sep, rest = national.partition(" ")
        return f"{area}-{rest.replace(' ', '')}"
    return national.replace(" ", "")


@functools.lru_cache(maxsize=16384)
def _valid_phone(raw: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(raw, "CN"))
    except phonenumbers.NumberParseException:
        return False


def validate_phone(value: str) -> None:
    if not _valid_phone(compact(value)):
        raise ValidationError(
            _("“%(value)s” is not a valid phone number."), code="phone", params={"value": value}
        )


def validate_mobile(value: str) -> None:
    validate_phone(value)
    number = phonenumbers.parse(compact(value), "CN")
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(_("“%(value)s” is not a mobile number."), code="mobile", params={"value": value})
