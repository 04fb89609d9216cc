"""Whatever arrives in the catalogue's query string, the answer is a page, never a 5xx."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from tests.factories import make_offering

values = st.one_of(
    st.text(max_size=300),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        ["degree", "skill", "community", "senior", "1", "7", "0", "8", "当湖街道", "%", "_", "' OR 1=1 --"]
    ),
)
params = st.dictionaries(st.sampled_from(["q", "kind", "town", "weekday", "audience", "page", "x"]), values, max_size=6)


@pytest.fixture
def classes(app):
    make_offering(name="烘焙", senior=True)
    make_offering(name="电工（初级）", kind="skill", weekday=2)
    db.session.commit()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=params, htmx_request=st.booleans(), path=st.sampled_from(["/courses", "/schedule"]))
def test_catalogue_query_strings_never_fail(client, classes, query, htmx_request, path):
    headers = {"HX-Request": "true"} if htmx_request else {}
    response = client.get(path, query_string=query, headers=headers)
    assert response.status_code == 200, (query, response.status_code)


def test_detail_ids_never_fail(client, app):
    make_offering()
    db.session.commit()
    for path in ["/courses/0", "/courses/-1", "/courses/abc", "/courses/1.ics", "/courses/%00", "/courses/1/"]:
        assert client.get(path).status_code < 500, path


# Each field gets either a plausible answer or anything at all, so both saved and refused forms are tried.
PLAUSIBLE = {
    "name": ["王芳", "阿依古丽·买买提", "Zhang San"],
    "phone": ["13812345678", "139 0000 1111"],
    "town": ["1", "当湖街道"],
    "age_band": ["30-39", "60+"],
    "education": ["初中", "大专"],
    "work": ["在职"],
    "industry": ["制造业"],
    "residence": ["户籍"],
    "id_card": ["", "330482199001011232"],
    "kind": ["skill", "degree", "community"],
    "target": ["电工", "大专", "烘焙"],
    "major": ["会计"],
    "weekdays": ["1", "7"],
    "times": ["evening"],
    "where": ["", "1"],
    "notes": [""],
    "consent": ["y"],
}


@st.composite
def need_fields(draw) -> dict:
    """A plausible answer to every question, then up to four answers removed or replaced by anything."""
    answers = {name: draw(st.sampled_from(good)) for name, good in PLAUSIBLE.items()}
    for name in draw(st.lists(st.sampled_from(sorted(PLAUSIBLE)), max_size=4, unique=True)):
        if draw(st.booleans()):
            del answers[name]
        else:
            answers[name] = draw(values)
    return answers


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=need_fields(), htmx_request=st.booleans())
def test_need_form_never_fails_and_never_saves_an_invalid_row(client, classes, fields, htmx_request):
    from sqlalchemy import select

    from app.models import Need
    from app.services import identity
    from tests.helpers import tokens

    form = client.get("/needs/new").get_data(as_text=True)
    headers = {"HX-Request": "true"} if htmx_request else {}
    response = client.post("/needs/new", data={**tokens(form), **fields}, headers=headers)
    assert response.status_code in (204, 303, 422), (fields, response.status_code)
    for need in db.session.scalars(select(Need)):
        assert identity.is_mobile(need.resident.phone) and identity.is_name(need.resident.name)
        assert need.kind in ("degree", "skill", "community") and 0 < len(need.target) <= 60
