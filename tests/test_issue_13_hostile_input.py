"""Issue 13's new forms answer a clear 400, never a 500, to input that
PostgreSQL cannot even compare (NUL characters), and save nothing."""
from __future__ import annotations

import pytest

from cycles import roles
from reviews.models import Delegation, Reassignment
from scoping import workflow_steps as s

from . import rows
from .clients import browser
from .factories import UserFactory, scoped_report


@pytest.mark.django_db
def test_null_characters_are_refused_with_400():
    cr = scoped_report(attributes=2)
    task = rows.task(cr, s.TESTER_REVIEW, cr.tester)
    UserFactory(username="tester2", role=roles.TESTER)
    manager = browser(cr.cycle.test_manager)
    for path, data in [
        (f"/tasks/{task.pk}/reassign/", {"to": "tester2\x00", "reason": "leave"}),
        (f"/tasks/{task.pk}/reassign/", {"to": "tester2", "reason": "le\x00ave"}),
        ("/tasks/all/reassign-person/", {"holder": cr.tester.username + "\x00", "to": "tester2", "reason": "x"}),
    ]:
        answer = manager.post(path, data)
        assert answer.status_code == 400 and b"null characters" in answer.content, path
    assert manager.get("/tasks/all/reassign-person/?holder=a\x00b").status_code == 400
    tester = browser(cr.tester)
    answer = tester.post("/profile/", {"delegate": "tester2\x00", "first_day": "2030-01-01", "last_day": "2030-01-02", "reason": "x"})
    assert answer.status_code == 400 and b"null characters in delegate" in answer.content
    assert not Reassignment.objects.exists() and not Delegation.objects.exists()
