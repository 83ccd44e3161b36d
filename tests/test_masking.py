"""Personal data is masked the way DOMAIN.md says: 张*, 110101********1234, 138****8000."""

import pytest

from data.rules.masking import PersonalField, mask


@pytest.mark.parametrize("field, value, masked", [
    (PersonalField.name, "张三", "张*"),
    (PersonalField.name, "张三丰", "张**"),
    (PersonalField.name, "欧阳修远", "欧阳**"),
    (PersonalField.name, "欧阳", "欧*"),
    (PersonalField.name, "李", "李*"),
    (PersonalField.name, "Wang Wei", "W*******"),
    (PersonalField.name, None, ""),
    (PersonalField.id_number, "110101199003071234", "110101********1234"),
    (PersonalField.id_number, "11010119900307123X", "110101********123X"),
    (PersonalField.id_number, "110101900307123", "110101*****7123"),
    (PersonalField.id_number, "12345", "***"),
    (PersonalField.phone, "13812348000", "138****8000"),
    (PersonalField.phone, "0791-8888", "07*****88"),
    (PersonalField.phone, "12333", "***"),
    (PersonalField.bank_card, "6222 0212 3456 7890", "**** 7890"),
    (PersonalField.bank_card, "1234", "***"),
])
def test_mask(field, value, masked):
    assert mask(field, value) == masked


@pytest.mark.parametrize("value", ["110101199003071234", "13812348000", "6222021234567890"])
def test_masked_value_never_contains_the_middle(value):
    for field in PersonalField:
        assert value[6:10] not in mask(field, value)
