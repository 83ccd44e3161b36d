"""Scope: the region paths a user may see."""

import pytest

from data.scope import OutOfScope, Scope

CITY = "369900000000/"
A = CITY + "369901000000/"
B = CITY + "369902000000/"
TOWN_A = A + "369901001000/"


@pytest.mark.parametrize("paths, path, covered", [
    ((CITY,), TOWN_A, True),
    ((A,), TOWN_A, True),
    ((A,), B, False),
    ((A,), CITY, False),
    ((A, B), B + "369902100000/", True),
    ((), A, False),
    ((A,), "369901000000/", False),
])
def test_covers(paths, path, covered):
    assert Scope(paths).covers(path) is covered


def test_narrow_inside_and_above_and_outside():
    assert Scope((CITY,)).narrow(A).paths == (A,)
    assert Scope((TOWN_A,)).narrow(A).paths == (TOWN_A,)  # picking the county keeps the officer's town
    with pytest.raises(OutOfScope):
        Scope((A,)).narrow(B)
    assert Scope((A,)).narrow(None).paths == (A,)


def test_paths_must_end_with_slash():
    with pytest.raises(ValueError):
        Scope(("369900000000",))


def test_like_wildcards_are_not_wildcards():
    import sqlalchemy as sa

    col = sa.column("path")
    clause = Scope(("36_9%/",)).clause(col)
    sql = str(clause.compile(compile_kwargs={"literal_binds": True}))
    assert "ESCAPE" in sql
