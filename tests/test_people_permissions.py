"""Every people, access and deadline route against every kind of visitor, in one table.

Visitors: nobody, the PI, an assistant, a removed assistant, another alliance's PI, the office.
An alliance route answers 403 to anyone without a valid alliance session (and the PI-only ones
to assistants); an office route sends anyone but the office to the office login.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from test_intake_support import app_for, csrf_of, make_config, services_of
from test_people import add_assistant, enter, office_client, pi_client

from alliance_portal.intake.deadlines import DeadlineSettings

VISITORS = ("nobody", "pi", "assistant", "removed", "other-pi", "office")
L = "login"  # a redirect to the office login

#: (method, path, {visitor: expected status}); "{pid}" is the assistant's id.
ROUTES: list[tuple[str, str, dict[str, int | str]]] = [
    (
        "GET",
        "/alliance/",
        {
            "nobody": 403,
            "pi": 200,
            "assistant": 200,
            "removed": 403,
            "other-pi": 200,
            "office": 403,
        },
    ),
    (
        "POST",
        "/alliance/assistants/{pid}/link",
        {
            "nobody": 403,
            "pi": 200,
            "assistant": 403,
            "removed": 403,
            "other-pi": 404,
            "office": 403,
        },
    ),
    (
        "POST",
        "/alliance/assistants/",
        {
            "nobody": 403,
            "pi": 200,
            "assistant": 403,
            "removed": 403,
            "other-pi": 200,
            "office": 403,
        },
    ),
    ("GET", "/office/people/", {"office": 200}),
    ("POST", "/office/people/smart-motor/pi", {"office": 200}),
    ("POST", "/office/people/smart-motor/send", {"office": 200}),
    ("POST", "/office/people/send-new", {"office": 200}),
    ("GET", "/office/deadlines/", {"office": 200}),
    ("POST", "/office/deadlines/year", {"office": 200}),
    ("POST", "/office/deadlines/reminders", {"office": 200}),
    ("POST", "/office/deadlines/send", {"office": 409}),  # nothing due in this registry
    (
        "POST",
        "/alliance/assistants/{pid}/remove",
        {
            "nobody": 403,
            "pi": 200,
            "assistant": 403,
            "removed": 403,
            "other-pi": 404,
            "office": 403,
        },
    ),
    ("POST", "/office/people/smart-motor/{pid}/remove", {"office": 200}),
    ("POST", "/office/people/smart-motor/revoke", {"office": 200}),
]

FORM = {
    "/alliance/assistants/": {"email": "new@example.edu.tw", "how": "copy"},
    "/alliance/assistants/{pid}/link": {"how": "copy"},
    "/office/people/smart-motor/pi": {"email": "wang@example.edu.tw"},
    "/office/people/smart-motor/send": {"how": "copy"},
    "/office/deadlines/year": {
        "year": str(dt.date.today().year + 1),
        "date": f"{dt.date.today().year + 1}-04-30",
    },
    "/office/deadlines/reminders": {"before": "14, 3", "after": "7", "form_url": ""},
}


def visitor_client(app: Flask, who: str) -> tuple[Any, str, str]:
    """A client signed in as ``who``, its CSRF token, and the assistant's id."""
    pi, pi_csrf = pi_client(app)
    helper_url = add_assistant(pi, pi_csrf, email="lin@example.edu.tw")
    pid = services_of(app).people.assistants("smart-motor")[0].pid
    if who == "pi":
        return pi, pi_csrf, pid
    if who in ("assistant", "removed"):
        helper = app.test_client()
        csrf = enter(helper, helper_url)
        if who == "removed":
            services_of(app).people.remove("smart-motor", pid, by="test")
        return helper, csrf, pid
    if who == "other-pi":
        other, csrf = pi_client(app, "green-chem")
        return other, csrf, pid
    if who == "office":
        office, csrf = office_client(app)
        return office, csrf, pid
    nobody = app.test_client()
    return nobody, csrf_of(nobody.get("/office/login").get_data(as_text=True)), pid


@pytest.mark.parametrize("who", VISITORS)
def test_every_route_for_every_visitor(tmp_path: Path, who: str) -> None:
    with app_for(make_config(tmp_path, public_url="http://localhost")) as app:
        svc = services_of(app)
        svc.people.set_pi("smart-motor", "wang@example.edu.tw", by="test")
        svc.people.set_pi("green-chem", "chen@example.edu.tw", by="test")
        # No deadline in force, so there is no reminder to send.
        today = dt.date.today()
        svc.deadlines.write(DeadlineSettings().with_deadline(today.year, today - dt.timedelta(90)))
        client, csrf, pid = visitor_client(app, who)
        failures = []
        for method, template, expected in ROUTES:
            path = template.format(pid=pid)
            want = expected.get(who, L)
            if method == "GET":
                resp = client.get(path)
            else:
                # A fresh token each time: a refused session is cleared, and with it its token
                # (the refusal, not a CSRF error, is what this table is about).
                csrf = csrf_of(client.get("/office/login").get_data(as_text=True))
                resp = client.post(path, data={"csrf_token": csrf, **FORM.get(template, {})})
            got: int | str = resp.status_code
            if resp.status_code == 302 and "/office/login" in resp.headers.get("Location", ""):
                got = L
            if got != want:
                failures.append(f"{method} {path}: {got}, expected {want}")
        assert not failures, "\n".join(failures)
        if who in ("assistant", "removed", "other-pi", "nobody"):
            # Whatever they tried, smart-motor's assistant is still there (removed only by test).
            helper = svc.people.get("smart-motor", pid)
            assert helper is not None and helper.active == (who != "removed")
