"""The USCC (GB 32100-2015) as the registry checks and stores it."""

import pytest
from django.core.exceptions import ValidationError

from louwei.access import SYSTEM
from louwei.buildings import services
from louwei.buildings.models import Enterprise
from louwei.core.validators import normalise_uscc, uscc_check_character, validate_uscc
from louwei.testing.factories import make_uscc

VALID = [
    "91350100M000100Y43",  # a company registered by market regulation
    "51100000500021000X",  # a social organisation (civil affairs, 社会团体), check character X
    "N2370800MA0000001K",  # a farmers' co-operative: the authority code is a letter
    "Y1370800MA0000001E",  # "other" authorities: a letter too
    make_uscc(42, authority="A", kind="1"),
]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes(code):
    validate_uscc(code)
    assert uscc_check_character(code[:17]) == code[17]


def test_wrong_check_character():
    with pytest.raises(ValidationError) as info:
        validate_uscc("91350100M000100Y44")
    assert info.value.code == "uscc_check"
    assert "should end in “3”" in info.value.messages[0]


@pytest.mark.parametrize("code", ["91350100M000100Y4", "91350100M000100Y433", ""])
def test_wrong_length(code):
    with pytest.raises(ValidationError) as info:
        validate_uscc(code)
    assert info.value.code == "uscc_length"


def test_letters_that_never_appear():
    with pytest.raises(ValidationError) as info:
        validate_uscc("91350100O000100Y43")
    assert info.value.code == "uscc_character"


def test_lower_case_full_width_and_spaces_are_normalised():
    assert normalise_uscc(" ９１３５ 0100m000100y43 ") == "91350100M000100Y43"
    validate_uscc("91350100m000100y43")


@pytest.mark.django_db
def test_the_registry_stores_the_normalised_code(building):
    enterprise = services.create_enterprise(
        actor=SYSTEM, name="小写代码有限公司", uscc="９１３５０１００m000100y43", industry="i"
    )
    enterprise.refresh_from_db()
    assert enterprise.uscc == "91350100M000100Y43"
    assert enterprise.industry == "I"
    assert Enterprise.objects.filter(uscc="91350100M000100Y43").count() == 1


@pytest.mark.django_db
def test_the_registry_refuses_a_wrong_check_character(building):
    with pytest.raises(ValidationError) as info:
        services.create_enterprise(actor=SYSTEM, name="错码有限公司", uscc="91350100M000100Y44", industry="I")
    assert "uscc" in info.value.message_dict
    assert not Enterprise.objects.exists()
