"""Peak memory of the web process while it takes a large evidence upload.

Creates, in the database of DATABASE_URL (migrated), a report awaiting
evidence (no workflow is needed to upload), starts one gunicorn sync worker
with EVIDENCE_MAX_BYTES raised, POSTs a file of --mb megabytes with curl
(which streams it from disk), and prints the worker's resident memory before
and its peak (VmHWM) after, with the stored file's size and SHA-256 checked.

    createdb -h 127.0.0.1 -U postgres regtest_evidence_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/regtest_evidence_bench .venv/bin/python manage.py migrate -v0
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/regtest_evidence_bench .venv/bin/python benchmarks/evidence_upload_memory.py --mb 200
    dropdb -h 127.0.0.1 -U postgres regtest_evidence_bench
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def make_report():
    import uuid

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts import tokens
    from cycles import roles
    from cycles.models import CycleReport, Report, TestCycle
    from reviews.models import HumanTask
    from sampling.models import SampleItem, SampleSet
    from evidence.workflow_steps import EVIDENCE_SUBMISSION
    from sampling.population_ingest import ingest

    User = get_user_model()
    tag = uuid.uuid4().hex[:8]

    def user(name, role):
        u = User.objects.create_user(f"bench-{name}-{tag}", password=uuid.uuid4().hex)
        u.groups.add(Group.objects.get_or_create(name=role)[0])
        return u

    now = timezone.now()
    tester, owner, provider, manager = (user(n, r) for n, r in [
        ("tester", roles.TESTER), ("owner", roles.REPORT_OWNER), ("provider", roles.DATA_PROVIDER), ("manager", roles.TEST_MANAGER)])
    cycle = TestCycle.objects.create(name=f"bench {tag}", period_end=now.date(), test_manager=manager)
    report = Report.objects.create(name=f"bench {tag}", regulation="FR Y-14", owner=owner)
    cr = CycleReport.objects.create(cycle=cycle, report=report, tester=tester, report_owner=owner, data_provider=provider)
    now = timezone.now()
    population = ingest(cr, io.BytesIO(b"Loan Number,Amount\nL-1,100\n"), "p.csv", [], uploaded_by=tester)
    now = timezone.now()
    sample_set = SampleSet.objects.create(
        cycle_report=cr, version=1, message_id=f"bench-{tag}", submitted_by=tester, on_behalf_of=tester, submitted_at=now,
        population=population, method="manual", description="bench", samples=1,
    )
    item = SampleItem.objects.create(sample_set=sample_set, record=population.records.get(), position=1, reason="bench")
    HumanTask.objects.create(
        kind=EVIDENCE_SUBMISSION, cycle_report=cr, assignee=provider, original_assignee=provider,
        opened_at=now, due_at=now + timezone.timedelta(days=5), workflow_id=cr.expected_workflow_id,
    )
    return cr, item, tokens.issue(provider)[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    args = parser.parse_args()
    size = args.mb * 1024 * 1024

    import django

    django.setup()
    cr, item, token = make_report()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "large.pdf"
        digest = hashlib.sha256()
        with path.open("wb") as out:
            head = b"%PDF-1.7\n"
            out.write(head)
            digest.update(head)
            block = os.urandom(1024 * 1024)
            written = len(head)
            while written < size:
                chunk = block[: size - written]
                out.write(chunk)
                digest.update(chunk)
                written += len(chunk)
        port = free_port()
        env = {
            **os.environ,
            "EVIDENCE_MAX_BYTES": str(size + 1024 * 1024),
            "EVIDENCE_STORAGE_DIR": str(Path(tmp) / "storage"),
            "TMPDIR": tmp,
            "LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}", "--timeout", "300"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=2)
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            worker = int(subprocess.check_output(["pgrep", "-P", str(server.pid)]).split()[0])
            before = kib(worker, "VmRSS")
            started = time.monotonic()
            out = subprocess.run(
                ["curl", "-sS", "-H", f"Authorization: Token {token}", "-F", f"file=@{path};type=application/pdf",
                 f"{base}/api/cycles/{cr.cycle_id}/reports/{cr.report_id}/samples/{item.pk}/evidence"],
                capture_output=True, check=True,
            )
            seconds = time.monotonic() - started
            body = json.loads(out.stdout)
            peak = kib(worker, "VmHWM")
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert body.get("sha256") == digest.hexdigest() and body.get("size") == size, body
    print(json.dumps({
        "file_mb": args.mb, "upload_seconds": round(seconds, 1),
        "worker_rss_before_mib": round(before / 1024, 1), "worker_peak_rss_mib": round(peak / 1024, 1),
        "sha256_checked": True,
    }))


if __name__ == "__main__":
    main()
