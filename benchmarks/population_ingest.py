"""Population ingest and sampling draws at scale (issue 10: a population of
1,000,000 rows x 20 columns is ready for sampling within 60 s and 500 MB).

Generates a CSV (and a smaller XLSX), ingests them through
sampling.population_ingest.ingest against the database of DATABASE_URL (a
throwaway cycle report, removed afterwards unless --keep), then runs each
draw method, printing wall time and peak RSS of this process for each step.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/regtest_sampling \\
        .venv/bin/python benchmarks/population_ingest.py

Options: --rows N (default 1,000,000), --xlsx-rows N (default 100,000; 0 to
skip), --keep (leave the rows and files). Not part of `make test`.
"""
import argparse
import csv
import datetime as dt
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

KEY = "Loan Number"
# 19 columns besides the key: 18 are attributes, "Comments" is not.
COLUMNS = [
    "State", "Committed Exposure", "Utilized Exposure", "Origination Date", "Maturity Date",
    "Interest Rate", "Risk Rating", "Industry Code", "Collateral Type", "Obligor Name",
    "Country", "Currency", "Product Type", "Lien Position", "Guarantor Flag",
    "Line of Business", "Branch", "Officer Id", "Comments",
]
STATES = ["CA", "NY", "TX", "FL", "IL", "PA", "OH", "GA", "NC", "MI", "NJ", "VA", "WA", "AZ", "MA"]


def peak_rss_reset() -> bool:
    """Resets the kernel's peak-RSS mark of this process (Linux 4.0+)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # since the start


def database_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend, when
    the server runs on this machine (read from /proc)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def measured(label: str, results: list):
    peak_rss_reset()
    db_cpu = database_cpu()
    start, cpu = time.perf_counter(), time.process_time()
    outcome = {}
    yield outcome
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    db_after = database_cpu()
    db = f"{db_after - db_cpu:6.2f} s" if db_cpu is not None and db_after is not None else "   n/a  "
    results.append((label, seconds, cpu, peak_rss_mb(), outcome.get("note", "")))
    print(
        f"{label:<40} {seconds:6.2f} s wall  CPU {cpu:6.2f} s here, {db} database  "
        f"peak RSS {peak_rss_mb():6.1f} MB  {outcome.get('note', '')}",
        flush=True,
    )


def row(rng: random.Random, i: int) -> list:
    committed = rng.randrange(10_000, 50_000_000) / 100
    start = dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(5000))
    return [
        f"L-{i:08d}", rng.choice(STATES), f"{committed:.2f}", f"{committed * rng.random():.2f}",
        start.isoformat(), (start + dt.timedelta(days=rng.choice([365, 1095, 1825, 3650]))).isoformat(),
        f"{rng.uniform(1, 12):.3f}", str(rng.randrange(1, 11)), str(rng.randrange(100000, 999999)),
        rng.choice(["Real estate", "Equipment", "Receivables", "Unsecured"]), f"Obligor {rng.randrange(10**6)}",
        "US", "USD", rng.choice(["Term loan", "Revolver", "Letter of credit"]), str(rng.randrange(1, 3)),
        rng.choice(["Y", "N"]), rng.choice(["Commercial", "Corporate", "Small business"]),
        f"BR-{rng.randrange(300):03d}", f"O-{rng.randrange(5000):05d}", "",
    ]


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(0)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([KEY, *COLUMNS])
        for i in range(1, rows + 1):
            writer.writerow(row(rng, i))


def write_xlsx(path: Path, rows: int) -> None:
    import openpyxl

    rng = random.Random(1)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([KEY, *COLUMNS])
    for i in range(1, rows + 1):
        cells = row(rng, i)
        # As a spreadsheet holds them: numbers and dates, not text.
        for n in (2, 3, 6):
            cells[n] = float(cells[n])
        for n in (7, 8, 14):
            cells[n] = int(cells[n])
        for n in (4, 5):
            cells[n] = dt.date.fromisoformat(cells[n])
        sheet.append(cells)
    workbook.save(path)


def ensure_database() -> None:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        print(f"note: {db['ENGINE']} is not PostgreSQL: records go in with batched INSERTs, not COPY")
        return
    import psycopg

    params = dict(host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"] or None,
                  password=db["PASSWORD"] or None, dbname="postgres", autocommit=True)
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')
            print(f"created database {db['NAME']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    ensure_database()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    work = Path(tempfile.mkdtemp(prefix="population-bench-"))
    settings.STORAGES = {
        **settings.STORAGES,
        "populations": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(work / "storage")}},
    }
    settings.POPULATION_MAX_BYTES = 10 * 1024**3
    settings.POPULATION_MAX_ROWS = max(args.rows, settings.POPULATION_MAX_ROWS)

    from django.contrib.auth import get_user_model

    from cycles.models import CycleReport, Report, TestCycle
    from sampling import draws
    from sampling.models import Population, PopulationRecord
    from sampling.population_ingest import ingest

    tag = uuid.uuid4().hex[:8]
    User = get_user_model()
    manager, owner, tester = (User.objects.create_user(f"bench-{r}-{tag}") for r in ("manager", "owner", "tester"))
    cycle = TestCycle.objects.create(name=f"Benchmark {tag}", period_end="2026-09-30", test_manager=manager)
    report = Report.objects.create(name=f"Benchmark report {tag}", regulation="FR Y-14Q", owner=owner)
    cr = CycleReport.objects.create(cycle=cycle, report=report, tester=tester, report_owner=owner)
    attributes = [(1000 + i, name, True) for i, name in enumerate([KEY, *COLUMNS[:-1]])]
    ids = {name: 1000 + i for i, name in enumerate([KEY, *COLUMNS[:-1]])}

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, "
          f"peak RSS {'per step' if peak_rss_reset() else 'since start'}; CPU of this process and of its database backend")
    results: list = []
    populations = []
    try:
        csv_path = work / "population.csv"
        with measured(f"generate CSV ({args.rows:,} rows x {1 + len(COLUMNS)} columns)", results) as out:
            write_csv(csv_path, args.rows)
            out["note"] = f"{csv_path.stat().st_size / 1024**2:,.0f} MB"
        with measured("ingest CSV (store, parse, COPY, commit)", results) as out:
            with csv_path.open("rb") as f:
                population = ingest(cr, f, "population.csv", attributes, uploaded_by=tester)
            populations.append(population)
            out["note"] = f"{population.rows:,} records"
        keys = [f"L-{i:08d}" for i in range(1, args.rows + 1, max(1, args.rows // 25))][:25]
        seed = 20261125
        for label, method, kwargs in [
            ("draw random (25)", "random", dict(size=25, seed=seed)),
            ("draw stratified by State (60)", "stratified", dict(size=60, seed=seed, stratify_by=ids["State"])),
            ("draw top 25 by Committed Exposure", "top", dict(size=25, order_by=ids["Committed Exposure"])),
            ("draw manual (25 keys)", "manual", dict(record_keys=keys, rationale="benchmark")),
        ]:
            with measured(label, results) as out:
                sample = draws.draw(population, method, **kwargs)
                out["note"] = f"{len(sample.items)} records, first {sample.keys[0]}"
        with measured("change: add 5, remove 5", results) as out:
            changed = draws.change(
                sample, add=[(f"L-{i:08d}", "benchmark") for i in range(2, 7)],
                remove=[(k, "benchmark") for k in sample.keys[:5]],
            )
            out["note"] = f"{len(changed.items)} records"
        if args.xlsx_rows:
            xlsx_path = work / "population.xlsx"
            with measured(f"generate XLSX ({args.xlsx_rows:,} rows)", results) as out:
                write_xlsx(xlsx_path, args.xlsx_rows)
                out["note"] = f"{xlsx_path.stat().st_size / 1024**2:,.1f} MB"
            with measured("ingest XLSX", results) as out:
                with xlsx_path.open("rb") as f:
                    populations.append(ingest(cr, f, "population.xlsx", attributes, uploaded_by=tester))
                out["note"] = f"{populations[-1].rows:,} records"
    finally:
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
        if args.keep:
            print(f"kept: cycle report {cr.pk}, files in {work}")
        else:
            for p in populations:
                PopulationRecord.objects.filter(population=p).delete()
            Population.objects.filter(cycle_report=cr).delete()
            cr.delete(), report.delete(), cycle.delete()
            for user in (manager, owner, tester):
                user.delete()
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
