"""The client's address for throttling: believed from X-Forwarded-For only behind a trusted proxy.

Both attacks are played against the web link's identity check: a client served directly forges the
header on every try and is still throttled as itself; behind `huifang serve`'s nginx, an attacker's
failures lock the attacker, not the respondent next to him.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from survey_app.security.client_address import LOCAL_PROXY, client_address, parse_trusted
from survey_app.serve import environment
from survey_app.services import sms, throttle, web_invites
from survey_app.services.studies import find_study
from survey_app.storage.models import User
from tests.app.builders import STUDY_NAME, build_fieldwork_study

LINK = re.compile(r"\?r=([A-Za-z0-9_-]+)")
NGINX = parse_trusted(LOCAL_PROXY)  # what `huifang serve` trusts


def test_served_directly_a_forged_header_is_ignored():
    assert client_address("203.0.113.7", ["9.9.9.9"], []) == "203.0.113.7"
    assert client_address("203.0.113.7", ["9.9.9.9"], NGINX) == "203.0.113.7"  # not from the proxy


def test_behind_the_proxy_each_client_is_its_own_address():
    assert client_address("127.0.0.1", ["198.51.100.1"], NGINX) == "198.51.100.1"
    assert client_address("127.0.0.1", ["198.51.100.2"], NGINX) == "198.51.100.2"


def test_behind_the_proxy_what_the_client_wrote_before_the_proxys_entry_is_ignored():
    # the client sent "X-Forwarded-For: 9.9.9.9"; nginx appended the address it saw
    assert client_address("127.0.0.1", ["9.9.9.9, 198.51.100.1"], NGINX) == "198.51.100.1"
    assert client_address("127.0.0.1", ["9.9.9.9", "198.51.100.1"], NGINX) == "198.51.100.1"


def test_through_several_trusted_proxies_the_right_most_untrusted_entry_is_the_client():
    trusted = parse_trusted("127.0.0.1, 10.0.0.0/8")
    assert client_address("127.0.0.1", ["9.9.9.9, 198.51.100.1, 10.1.2.3"], trusted) == "198.51.100.1"
    assert client_address("127.0.0.1", ["[2001:db8::5]:4431, 10.1.2.3:80"], trusted) == "2001:db8::5"


def test_a_trusted_peer_without_the_header_is_the_client_itself():
    assert client_address("127.0.0.1", [], NGINX) == "127.0.0.1"


def test_a_malformed_proxy_list_is_refused_naming_the_entry():
    with pytest.raises(ValueError, match=re.escape("'proxy.example' is not an IP address or network")):
        parse_trusted("127.0.0.1, proxy.example")


def test_huifang_app_trusts_no_proxy_and_huifang_serve_its_local_nginx(monkeypatch):
    monkeypatch.delenv("HUIFANG_TRUSTED_PROXIES", raising=False)
    direct = environment("sqlite:///x.db")
    assert direct["HUIFANG_TRUSTED_PROXIES"] == direct["FORWARDED_ALLOW_IPS"] == ""  # uvicorn believes none
    served = environment("sqlite:///x.db", local_proxy=True)
    assert served["HUIFANG_TRUSTED_PROXIES"] == served["FORWARDED_ALLOW_IPS"] == "127.0.0.1/32,::1/128"
    monkeypatch.setenv("HUIFANG_TRUSTED_PROXIES", "10.0.0.0/8")
    assert environment("sqlite:///x.db", local_proxy=True)["FORWARDED_ALLOW_IPS"] == (
        "10.0.0.0/8,127.0.0.1/32,::1/128"
    )


# ---------------------------------------------------------------- the attacks, on the identity check


@pytest.fixture
def links(db, tmp_path, monkeypatch) -> tuple[object, list[tuple[str, str]]]:
    """A web-first study with every fresh case invited: the database and (number, token) per link."""
    folder = tmp_path / "outbox"
    monkeypatch.setenv("HUIFANG_SMS_OUTBOX", str(folder))
    monkeypatch.delenv("HUIFANG_SMS_GATEWAY", raising=False)
    build_fieldwork_study(db, tmp_path)
    with db.session() as session:
        study = find_study(session, STUDY_NAME)
        study.settings = {**study.settings, "mode_design": "web_first", "web_days": 3}
        researcher = session.scalar(select(User).where(User.role == "researcher"))
        web_invites.invite(session, researcher, study)
    found = [(m["to"], LINK.search(m["text"]).group(1)) for m in sms.read_outbox(folder)]
    return db, found


def _guess(db, token: str, number: str, client: str) -> bool | None:
    """One wrong (or right) try of the last four digits; None when the check was locked."""
    try:
        with db.session() as session:
            return web_invites.verify_identity(session, token, number[-4:], client=f"ip:{client}")
    except web_invites.IdentityLocked:
        return None


def _wrong(number: str) -> str:
    return "0000000" + ("1111" if number[-4:] != "1111" else "2222")


def _attack(db, found, peer: str, trusted, behind: str | None = None) -> list[bool | None]:
    """Wrong guesses spread over the links (under each link's own limit), each with a new forged
    X-Forwarded-For; `behind`: the attacker's real address, which the proxy appends."""
    outcomes = []
    for attempt in range(throttle.CLIENT_FREE + 2):
        number, token = found[attempt % (len(found) - 1)]  # the last link is the respondent's
        forged = f"10.66.{attempt}.1" + (f", {behind}" if behind else "")
        outcomes.append(_guess(db, token, _wrong(number), client_address(peer, [forged], trusted)))
    return outcomes


@pytest.mark.db
def test_a_direct_client_forging_the_header_on_every_try_is_still_throttled_as_itself(links):
    db, found = links
    assert (len(found) - 1) * (web_invites.CHECK_FREE - 1) > throttle.CLIENT_FREE  # no link locks first
    outcomes = _attack(db, found, "203.0.113.7", [])
    assert outcomes[: throttle.CLIENT_FREE] == [False] * throttle.CLIENT_FREE
    assert outcomes[-1] is None  # the forged headers changed nothing: its own count locked it
    number, token = found[-1]
    assert _guess(db, token, number, "203.0.113.7") is None  # even with the right digits


@pytest.mark.db
def test_behind_the_proxy_an_attacker_locks_himself_and_not_the_next_respondent(links):
    db, found = links
    outcomes = _attack(db, found, "127.0.0.1", NGINX, behind="198.51.100.66")
    assert outcomes[-1] is None  # his forged entries are left of nginx's: throttled as himself
    number, token = found[-1]
    respondent = client_address("127.0.0.1", ["198.51.100.9"], NGINX)
    assert respondent == "198.51.100.9"
    assert _guess(db, token, number, respondent) is True  # his own bucket, not the attacker's
