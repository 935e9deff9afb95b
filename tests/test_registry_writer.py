"""The registry's one write path (issue 9 item 4): the form's save, its restore and the
importer all validate, keep the previous version, write atomically under the alliance's lock
and append an audit entry naming the actor, through RegistryWriter."""

from __future__ import annotations

import threading
from pathlib import Path

from test_intake_support import make_registry, profile_form

from alliance_portal.intake.storage import AllianceStore
from alliance_portal.registry.audit import AuditLog
from alliance_portal.registry.history import list_versions
from alliance_portal.registry.importer import import_table
from alliance_portal.registry.spreadsheet import Table
from alliance_portal.registry.writer import Actor, RegistryWriter


def _writer(root: Path) -> tuple[RegistryWriter, AuditLog]:
    content, banners, var = make_registry(root)
    audit = AuditLog(var / "intake-audit.jsonl")
    return RegistryWriter(content, banners, locks_dir=var / "intake-locks", audit=audit), audit


def test_a_refused_profile_writes_nothing(tmp_path: Path) -> None:
    writer, audit = _writer(tmp_path)
    path = writer.profile_path("smart-motor")
    before = path.read_bytes()
    done = writer.save_profile(
        "smart-motor", lambda s: s.values | {"website": "not a url"}, actor=Actor("office")
    )
    assert done.problems and not done.changed
    assert path.read_bytes() == before
    assert list(audit.entries()) == []
    assert list_versions(tmp_path / "content/.history/smart-motor", ".toml") == []


def test_form_save_restore_and_import_share_history_and_audit(tmp_path: Path) -> None:
    content, banners, var = make_registry(tmp_path)
    audit = AuditLog(var / "intake-audit.jsonl")
    store = AllianceStore(content, banners, var_dir=var, audit=audit)
    form = profile_form("smart-motor", pi="王教授")
    assert store.save_profile("smart-motor", form, actor="alliance:smart-motor").changed
    table = Table(["slug", "pi"], [(2, ["smart-motor", "李教授"])])
    result = import_table(table, Path("sheet.csv"), store.writer, actor=Actor("cli:office"))
    assert [o.action for o in result.outcomes] == ["update"]
    first = list_versions(content / ".history" / "smart-motor", ".toml")[0]
    store.restore("smart-motor", first.name, actor="cli:office")
    entries = [(e.actor, e.action) for e in audit.entries()]
    assert entries == [
        ("alliance:smart-motor", "profile.save"),
        ("cli:office", "profile.import"),
        ("cli:office", "profile.restore"),
    ]
    # Three writes, three previous versions kept: nothing lost.
    assert len(list_versions(content / ".history" / "smart-motor", ".toml")) == 3


def test_an_import_waits_for_the_alliances_lock(tmp_path: Path) -> None:
    writer, audit = _writer(tmp_path)
    table = Table(["slug", "pi"], [(2, ["smart-motor", "李教授"])])
    finished = threading.Event()

    def run_import() -> None:
        import_table(table, Path("sheet.csv"), writer, actor=Actor("cli:office"))
        finished.set()

    with writer.lock("smart-motor"):
        worker = threading.Thread(target=run_import)
        worker.start()
        assert not finished.wait(0.5)  # held off while the form holds the lock
    worker.join(10)
    assert finished.is_set()
    assert [e.action for e in audit.entries()] == ["profile.import"]
