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
