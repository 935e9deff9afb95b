"""People and access through Flask's test client: the PI, assistants, removal, the office.

Every route of the PI's 設定助理 and the office's 帳號與權限 page, with each kind of visitor:
the PI, an assistant, a removed assistant, the office, another alliance, nobody.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from test_intake_support import app_for, csrf_of, make_config, profile_form, services_of

from alliance_portal.intake.admin_password import set_password
from alliance_portal.intake.people import PeopleError, normalise_email

OFFICE_PASSWORD = "office password 2026"
PI_EMAIL = "wang@example.edu.tw"
ASSISTANT = "lin@example.edu.tw"
PUBLIC = "http://localhost"  # the form's public address (the test client's own)
_LINK_RE = re.compile(r'id="new-link"[^>]*value="([^"]+)"')


@pytest.fixture
def app(tmp_path: Path) -> Any:
    with app_for(make_config(tmp_path, public_url=PUBLIC)) as flask_app:
        services_of(flask_app).people.set_pi("smart-motor", PI_EMAIL, by="test")
        yield flask_app


def text_of(resp: Any) -> str:
    return html.unescape(resp.get_data(as_text=True))


def enter(client: Any, url: str) -> str:
    """Open a personal link; returns the form's CSRF token."""
    resp = client.get(url.replace("http://localhost", ""))
    assert resp.status_code == 303, text_of(resp)
    page = client.get("/alliance/")
    assert page.status_code == 200
    return csrf_of(page.get_data(as_text=True))


def pi_client(app: Flask, slug: str = "smart-motor") -> tuple[Any, str]:
    client = app.test_client()
    svc = services_of(app)
    token = svc.signer.make_token(slug, svc.people.pi(slug))
    return client, enter(client, f"/link/{token}")


def add_assistant(client: Any, csrf: str, email: str = ASSISTANT, how: str = "copy") -> str:
    resp = client.post(
        "/alliance/assistants/", data={"csrf_token": csrf, "email": email, "how": how}
    )
    assert resp.status_code == 200, text_of(resp)
    found = _LINK_RE.search(resp.get_data(as_text=True))
    assert found, "the page shows no link to copy"
    return html.unescape(found.group(1))


def office_client(app: Flask, lang: str = "en") -> tuple[Any, str]:
    """The office signed in, reading the console in ``lang`` (English by default: these tests
    check its English messages; the console shows one language at a time, zh-TW unless the
    office switches)."""
    set_password(services_of(app).config.paths.admin_password, OFFICE_PASSWORD)
    office = app.test_client()
    if lang == "en":
        office.set_cookie("console_lang", "en", path="/office")
    csrf = csrf_of(office.get("/office/login").get_data(as_text=True))
    resp = office.post("/office/login", data={"csrf_token": csrf, "password": OFFICE_PASSWORD})
    assert resp.status_code == 303
    page = office.get("/office/people/")
    assert page.status_code == 200
    return office, csrf_of(page.get_data(as_text=True))


def audit(app: Flask) -> list[Any]:
    return list(services_of(app).audit.entries())


# -- the PI ------------------------------------------------------------------------------


def test_a_link_issued_before_people_existed_is_the_pis_link(app: Flask) -> None:
    client = app.test_client()
    token = services_of(app).signer.make_token("smart-motor")  # the old, shared shape
    page_csrf = enter(client, f"/link/{token}")
    page = text_of(client.get("/alliance/"))
    assert page_csrf and "計畫助理" in page and "Add assistant" in page


def test_pi_adds_an_assistant_who_edits_under_their_own_name(app: Flask) -> None:
    pi, csrf = pi_client(app)
    url = add_assistant(pi, csrf)
    assert "/link/" in url
    entry = audit(app)[-1]
    assert (entry.action, entry.person) == ("link.issue", f"pi:{PI_EMAIL}")
    added = next(e for e in audit(app) if e.action == "people.add")
    assert added.detail.startswith(f"assistant:{ASSISTANT}") and added.person == f"pi:{PI_EMAIL}"

    helper = app.test_client()
    helper_csrf = enter(helper, url)
    page = text_of(helper.get("/alliance/"))
    assert "智慧馬達產學聯盟" in page and ASSISTANT in page
    assert "Add assistant" not in page  # the PI's controls are not shown to an assistant
    resp = helper.post(
        "/alliance/profile",
        data={"csrf_token": helper_csrf, **profile_form("smart-motor", intro="助理修改的簡介。")},
    )
    assert resp.status_code == 303
    saved = audit(app)[-1]
    assert (saved.action, saved.actor, saved.person) == (
        "profile.save",
        "alliance:smart-motor",
        f"assistant:{ASSISTANT}",
    )

    # The PI's own save names the PI.
    resp = pi.post(
        "/alliance/profile",
        data={"csrf_token": csrf, **profile_form("smart-motor", intro="主持人修改的簡介。")},
    )
    assert resp.status_code == 303
    assert audit(app)[-1].person == f"pi:{PI_EMAIL}"


def test_an_assistant_cannot_manage_people(app: Flask) -> None:
    pi, csrf = pi_client(app)
    helper = app.test_client()
    helper_csrf = enter(helper, add_assistant(pi, csrf))
    pid = services_of(app).people.assistants("smart-motor")[0].pid
    for path, data in (
        ("/alliance/assistants/", {"email": "other@example.edu.tw"}),
        (f"/alliance/assistants/{pid}/remove", {}),
        (f"/alliance/assistants/{pid}/link", {}),
    ):
        resp = helper.post(path, data={"csrf_token": helper_csrf, **data})
        assert resp.status_code == 403, path
        assert "Only the principal investigator" in text_of(resp)
    assert [a.email for a in services_of(app).people.assistants("smart-motor")] == [ASSISTANT]


def test_removed_assistant_loses_the_session_and_the_link(app: Flask) -> None:
    pi, csrf = pi_client(app)
    url = add_assistant(pi, csrf)
    helper = app.test_client()
    enter(helper, url)
    pid = services_of(app).people.assistants("smart-motor")[0].pid
    resp = pi.post(f"/alliance/assistants/{pid}/remove", data={"csrf_token": csrf})
    assert resp.status_code == 200 and "was removed" in text_of(resp)
    assert helper.get("/alliance/").status_code == 403  # the open session ends
    again = app.test_client().get(url.replace("http://localhost", ""))
    assert again.status_code == 410 and "removed your access" in text_of(again)
    removed = audit(app)[-1]
    assert (removed.action, removed.detail, removed.person) == (
        "people.remove",
        f"assistant:{ASSISTANT}",
        f"pi:{PI_EMAIL}",
    )
    # Added again: a new link works, the old one still does not.
    new_url = add_assistant(pi, csrf)
    assert enter(app.test_client(), new_url)
    assert app.test_client().get(url.replace("http://localhost", "")).status_code == 410


def test_another_alliances_pi_cannot_touch_this_alliances_assistants(app: Flask) -> None:
    pi, csrf = pi_client(app)
    url = add_assistant(pi, csrf)
    pid = services_of(app).people.assistants("smart-motor")[0].pid
    other, other_csrf = pi_client(app, "green-chem")
    resp = other.post(f"/alliance/assistants/{pid}/remove", data={"csrf_token": other_csrf})
    assert resp.status_code == 404
    assert services_of(app).people.assistants("smart-motor")[0].active
    helper = app.test_client()
    enter(helper, url)
    assert "綠色化學" not in text_of(helper.get("/alliance/"))


def test_adding_refuses_bad_duplicate_and_pi_addresses(app: Flask) -> None:
    pi, csrf = pi_client(app)
    for email, words in (
        ("not an address", "not an e-mail address"),
        (PI_EMAIL, "principal investigator's own address"),
    ):
        resp = pi.post("/alliance/assistants/", data={"csrf_token": csrf, "email": email})
        assert resp.status_code == 422 and words in text_of(resp)
    add_assistant(pi, csrf)
    resp = pi.post("/alliance/assistants/", data={"csrf_token": csrf, "email": ASSISTANT.upper()})
    assert resp.status_code == 422 and "already has access" in text_of(resp)


def test_pi_gets_a_new_link_for_an_assistant_and_without_mail_server_a_draft(app: Flask) -> None:
    pi, csrf = pi_client(app)
    add_assistant(pi, csrf, how="email")  # no SMTP configured: a draft
    outbox = services_of(app).config.paths.outbox
    drafts = list(outbox.glob("*.eml"))
    assert len(drafts) == 1 and ASSISTANT in drafts[0].name
    assert audit(app)[-1].action == "link.draft"
    pid = services_of(app).people.assistants("smart-motor")[0].pid
    resp = pi.post(f"/alliance/assistants/{pid}/link", data={"csrf_token": csrf, "how": "copy"})
    found = _LINK_RE.search(resp.get_data(as_text=True))
    assert resp.status_code == 200 and found
    assert enter(app.test_client(), html.unescape(found.group(1)))
    assert (
        pi.post("/alliance/assistants/nosuch123/link", data={"csrf_token": csrf}).status_code == 404
    )


def test_people_routes_need_csrf_and_a_session(app: Flask) -> None:
    nobody = app.test_client()
    assert nobody.post("/alliance/assistants/", data={"email": ASSISTANT}).status_code == 400
    csrf = csrf_of(nobody.get("/office/login").get_data(as_text=True))
    resp = nobody.post("/alliance/assistants/", data={"csrf_token": csrf, "email": ASSISTANT})
    assert resp.status_code == 403
    pi, _ = pi_client(app)
    assert pi.post("/alliance/assistants/", data={"email": ASSISTANT}).status_code == 400


# -- the office --------------------------------------------------------------------------


def test_office_page_needs_the_office_login(app: Flask) -> None:
    nobody = app.test_client()
    resp = nobody.get("/office/people/")
    assert resp.status_code == 302 and "/office/login" in resp.headers["Location"]
    pi, csrf = pi_client(app)
    assert pi.get("/office/people/").status_code == 302
    assert (
        pi.post("/office/people/smart-motor/revoke", data={"csrf_token": csrf}).status_code == 302
    )
    assert services_of(app).versions.current("smart-motor") == 1


def test_office_sees_who_has_access_and_when_each_last_used_it(app: Flask) -> None:
    pi, csrf = pi_client(app)
    helper = app.test_client()
    enter(helper, add_assistant(pi, csrf))
    office, _ = office_client(app)
    page = text_of(office.get("/office/people/"))
    row = page[page.index('id="access-smart-motor"') :]
    row = row[: row.index("</tr>")]
    assert PI_EMAIL in row and ASSISTANT in row
    assert "never" not in row.split(ASSISTANT)[1].split("</li>")[0]  # the assistant used it
    green = page[page.index('id="access-green-chem"') :]
    assert "no e-mail" in green[: green.index("</tr>")]
    assert "未設定信箱" not in page  # one language at a time


def test_office_sends_shows_and_revokes_the_pis_link(app: Flask) -> None:
    office, csrf = office_client(app)
    resp = office.post("/office/people/smart-motor/send", data={"csrf_token": csrf, "how": "email"})
    assert resp.status_code == 200 and "draft" in text_of(resp)
    assert audit(app)[-1].action == "link.draft" and audit(app)[-1].actor == "office"
    assert "Resend link" in text_of(office.get("/office/people/"))

    resp = office.post("/office/people/smart-motor/send", data={"csrf_token": csrf, "how": "copy"})
    found = _LINK_RE.search(resp.get_data(as_text=True))
    assert found
    pi = app.test_client()
    enter(pi, html.unescape(found.group(1)))
    assert "Add assistant" in text_of(pi.get("/alliance/"))

    pi_csrf = csrf_of(pi.get("/alliance/").get_data(as_text=True))
    helper = app.test_client()
    enter(helper, add_assistant(pi, pi_csrf))
    resp = office.post("/office/people/smart-motor/revoke", data={"csrf_token": csrf})
    assert resp.status_code == 200
    assert pi.get("/alliance/").status_code == 403
    assert helper.get("/alliance/").status_code == 403
    assert audit(app)[-1].action == "link.revoke"


def confirm_token(resp: Any) -> str:
    """The confirmation token of a mass send's review page."""
    found = re.search(r'name="confirm" value="([0-9a-f]+)"', resp.get_data(as_text=True))
    assert found, "the page asks for no confirmation"
    return found.group(1)


def test_office_sets_the_pi_address_and_sends_each_pi_once_after_confirming(app: Flask) -> None:
    office, csrf = office_client(app)
    resp = office.post(
        "/office/people/green-chem/pi", data={"csrf_token": csrf, "email": "bad address"}
    )
    assert resp.status_code == 422
    resp = office.post(
        "/office/people/green-chem/pi", data={"csrf_token": csrf, "email": "chen@example.edu.tw"}
    )
    assert resp.status_code == 200
    assert services_of(app).people.pi("green-chem").email == "chen@example.edu.tw"
    assert audit(app)[-1].action == "people.pi"
    resp = office.post("/office/people/nosuch/send", data={"csrf_token": csrf})
    assert resp.status_code == 404
    review = office.post("/office/people/send-new", data={"csrf_token": csrf})
    assert review.status_code == 200 and 'id="confirm-send"' in review.get_data(as_text=True)
    assert not list(services_of(app).config.paths.outbox.glob("*.eml"))  # a review sends none
    token = confirm_token(review)
    resp = office.post("/office/people/send-new", data={"csrf_token": csrf, "confirm": token})
    assert resp.status_code == 200 and "Sent 2" in text_of(resp)
    again = office.post("/office/people/send-new", data={"csrf_token": csrf, "confirm": token})
    assert again.status_code == 409  # the list changed (both were sent): shown, not sent
    assert len(list(services_of(app).config.paths.outbox.glob("*.eml"))) == 2  # each PI once


def test_office_removes_an_assistant(app: Flask) -> None:
    pi, csrf = pi_client(app)
    helper = app.test_client()
    enter(helper, add_assistant(pi, csrf))
    pid = services_of(app).people.assistants("smart-motor")[0].pid
    office, office_csrf = office_client(app)
    resp = office.post(f"/office/people/smart-motor/{pid}/remove", data={"csrf_token": office_csrf})
    assert resp.status_code == 200
    assert helper.get("/alliance/").status_code == 403
    assert pi.get("/alliance/").status_code == 200  # the PI keeps access
    entry = audit(app)[-1]
    assert (entry.action, entry.actor, entry.detail) == (
        "people.remove",
        "office",
        f"assistant:{ASSISTANT}",
    )
    resp = office.post("/office/people/smart-motor/pi/remove", data={"csrf_token": office_csrf})
    assert resp.status_code == 404  # the PI is not removed: revoke instead


def test_email_addresses_are_checked() -> None:
    assert normalise_email(" Lin@Example.EDU.tw ") == "Lin@example.edu.tw"
    for bad in ("", "lin", "lin@", "a b@example.tw", "<x@example.tw>", "x@example"):
        with pytest.raises(PeopleError):
            normalise_email(bad)


def test_history_names_who_wrote_each_version(
    app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    from alliance_portal.cli import main

    pi, csrf = pi_client(app)
    helper = app.test_client()
    helper_csrf = enter(helper, add_assistant(pi, csrf))
    for client, token, intro in ((pi, csrf, "主持人版。"), (helper, helper_csrf, "助理版。")):
        resp = client.post(
            "/alliance/profile",
            data={"csrf_token": token, **profile_form("smart-motor", intro=intro)},
        )
        assert resp.status_code == 303
    config = services_of(app).config
    argv = ["intake", "history", "smart-motor", "--content", str(config.content_dir)]
    argv += ["--banners", str(config.banners_dir), "--var", str(config.var_dir)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"pi:{PI_EMAIL}" in out and f"assistant:{ASSISTANT}" in out
