"""What people type about themselves, and one resident per phone number."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Resident, ResidentConflict
from app.services import identity
from app.services.residents import Person, register
from tests.factories import make_town

VALID_ID = "330482199001011232"


@pytest.mark.parametrize(
    "typed",
    ["13812345678", "138 1234 5678", "138-1234-5678", "１３８１２３４５６７８", "+86 138 1234 5678", " 13812345678 "],
)
def test_phone_numbers_are_accepted_as_people_type_them(typed):
    assert identity.normalise_phone(typed) == "13812345678"
    assert identity.is_mobile(identity.normalise_phone(typed))


@pytest.mark.parametrize("bad", ["1381234567", "23812345678", "138123456789", "abc", ""])
def test_bad_phone_numbers(bad):
    assert not identity.is_mobile(identity.normalise_phone(bad))


@pytest.mark.parametrize("name", ["张三", "张 三", "阿依古丽·买买提", "阿依古丽 • 买买提", "Zhang San"])
def test_names_including_minority_names(name):
    assert identity.is_name(identity.normalise_name(name))


@pytest.mark.parametrize("name", ["<b>", "张三123", "·张", "", "x" * 41])
def test_bad_names(name):
    assert not identity.is_name(identity.normalise_name(name))


def test_id_card_check_character():
    assert identity.is_id_card(VALID_ID)
    assert not identity.is_id_card(VALID_ID[:-1] + "3")
    assert identity.is_id_card(identity.normalise_id_card("3304 8219 9001 0112 32"))
    assert not identity.is_id_card("330482199013011232")  # month 13, even with a valid-looking shape
    assert identity.mask_id_card(VALID_ID) == "3304**********1232"


def test_same_phone_is_one_resident_and_differences_are_flagged_not_overwritten(app):
    home, other = make_town("当湖街道"), make_town("乍浦镇")
    first = register(Person(name="王芳", phone="13812345678", town_id=home.id, education="初中"), "self", "online")
    db.session.commit()
    again = register(
        Person(name="王芳芳", phone="13812345678", town_id=other.id, education="初中", work="在职"),
        "assisted",
        "口头同意",
    )
    db.session.commit()
    assert again.id == first.id
    assert db.session.query(Resident).count() == 1
    assert (again.name, again.town_id, again.work) == ("王芳", home.id, "在职")  # kept; empty filled in
    conflicts = {(c.field, c.kept_value, c.new_value, c.source) for c in db.session.query(ResidentConflict)}
    assert conflicts == {("name", "王芳", "王芳芳", "assisted"), ("town_id", str(home.id), str(other.id), "assisted")}
    register(Person(name="王芳芳", phone="13812345678"), "assisted", "口头同意")
    db.session.commit()
    assert db.session.query(ResidentConflict).count() == 2, "the same difference is flagged once"


def test_id_card_is_stored_masked_and_hashed_never_in_full(app):
    resident = register(Person(name="李四", phone="13912345678", id_card=VALID_ID), "self", "online")
    db.session.commit()
    assert resident.id_card_masked == "3304**********1232" and resident.birth_year == 1990
    row = db.session.execute(db.text("SELECT * FROM residents")).mappings().one()
    assert VALID_ID not in " ".join(str(v) for v in row.values())
