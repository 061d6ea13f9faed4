"""Population uploads: real CSV and XLSX files through the real ingest, the
real database and a real storage folder; every refusal with its message,
and nothing left behind by a refusal."""
import datetime as dt
import hashlib
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from openpyxl.styles import Font

from sampling import population_ingest
from sampling.errors import PopulationError
from sampling.models import Population, PopulationRecord
from sampling.population_ingest import display_name, ingest

from .factories import CycleReportFactory
from .sampling_helpers import (  # noqa: F401  (population_dir is a fixture)
    ATTRIBUTES,
    csv_text,
    population_dir,
    require_postgresql,
    stored_files,
    upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cr():
    return CycleReportFactory()


def records(population):
    return list(population.records.order_by("row_number").values_list("row_number", "key", "values"))


# --- reading ------------------------------------------------------------------

def test_csv_with_bom_semicolons_and_quoted_newlines(cr, population_dir):
    content = (
        "\ufeffLoan Number; committed  EXPOSURE ;STATE;Notes\r\n"
        'L-1;"1,250,000.00";CA;"two lines\nand a ; semicolon"\r\n'
        'L-2;"7";"N""Y";plain\r\n'
        ";;;\r\n"  # blank: skipped, still counted as a row of the file
        " L-3 ;0;TX;\r\n"
    ).encode()
    population = upload(cr, content, name="Q3 loans.csv")

    assert population.file_format == "csv"
    assert population.rows == 3
    assert population.version == 1
    assert population.key_column == "Loan Number"
    assert population.columns == ["Loan Number", "committed  EXPOSURE", "STATE", "Notes"]
    assert population.column_attributes == {"Loan Number": 11, "committed  EXPOSURE": 12, "STATE": 13}
    assert population.unmatched_columns == ["Notes"]
    assert population.missing_attributes == [15]  # Interest Rate; Origination Date is out of scope
    assert records(population) == [
        (2, "L-1", {"11": "L-1", "12": "1,250,000.00", "13": "CA"}),
        (3, "L-2", {"11": "L-2", "12": "7", "13": 'N"Y'}),
        (5, "L-3", {"11": " L-3 ", "12": "0", "13": "TX"}),
    ]
    # The file itself, byte for byte, under a generated name.
    (stored,) = stored_files(population_dir)
    assert stored.read_bytes() == content
    assert population.storage_name == stored.relative_to(population_dir).as_posix()
    assert "Q3" not in population.storage_name and population.storage_name.endswith(".csv")
    assert population.sha256 == hashlib.sha256(content).hexdigest()
    assert population.size == len(content)
    assert population.original_name == "Q3 loans.csv"
    assert population.uploaded_by == cr.tester


def test_tab_delimiter_and_a_key_column_named_case_insensitively(cr, population_dir):
    content = csv_text(["State", "Account Id", "Interest Rate"], [["CA", "A-9", "4.5"], ["NY", "A-7", "3"]], "\t")
    population = upload(cr, content, key_column="  ACCOUNT id ")
    assert population.key_column == "Account Id"
    assert population.unmatched_columns == []  # the key column is never "unmatched"
    assert sorted(population.missing_attributes) == [11, 12]
    assert records(population) == [(2, "A-9", {"13": "CA", "15": "4.5"}), (3, "A-7", {"13": "NY", "15": "3"})]


def test_comma_is_the_default_and_quoted_delimiters_do_not_count(cr, population_dir):
    content = 'Loan Number,"State; or region"\r\nL1,"CA; West"\r\n'
    population = upload(cr, content)
    assert population.columns == ["Loan Number", "State; or region"]
    assert records(population) == [(2, "L1", {"11": "L1"})]


def test_xlsx_values_become_canonical_text(cr, population_dir):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Loan Number", "Committed Exposure", "Origination Date", "Interest Rate", "State", "Flag"])
    sheet.cell(row=1, column=9).font = Font(bold=True)  # a formatted, empty header cell
    sheet.append([1001, 0.1 + 0.2, dt.datetime(2026, 9, 30), 1e20, "CA", True])
    sheet.append([1002, 1250000.1, dt.datetime(2026, 9, 30, 14, 5), 5.0, None])  # short row
    sheet.append([])  # blank row 4
    sheet.append(["L-1003", -0.0, dt.date(2025, 1, 2), 1e-7, "NY", False])
    data = io.BytesIO()
    workbook.save(data)
    content = data.getvalue()

    population = upload(cr, content, name="loans.xlsx")

    assert population.file_format == "xlsx"
    assert population.columns == ["Loan Number", "Committed Exposure", "Origination Date", "Interest Rate", "State", "Flag"]
    assert population.unmatched_columns == ["Flag"]
    assert population.missing_attributes == []
    assert records(population) == [
        (2, "1001", {"11": "1001", "12": "0.3", "14": "2026-09-30", "15": "100000000000000000000", "13": "CA"}),
        (3, "1002", {"11": "1002", "12": "1250000.1", "14": "2026-09-30T14:05:00", "15": "5", "13": ""}),
        (5, "L-1003", {"11": "L-1003", "12": "0", "14": "2025-01-02", "15": "0.0000001", "13": "NY"}),
    ]
    assert population.sha256 == hashlib.sha256(content).hexdigest()


def test_versions_count_up_and_the_newest_is_current(cr, population_dir):
    assert Population.current_for(cr) is None
    first = upload(cr, csv_text(["Loan Number"], [["L1"]]))
    second = upload(cr, csv_text(["Loan Number"], [["L1"], ["L2"]]))
    other = upload(CycleReportFactory(), csv_text(["Loan Number"], [["L1"]]))
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert Population.current_for(cr) == second
    assert len(stored_files(population_dir)) == 3


def test_a_population_is_immutable(cr, population_dir):
    population = upload(cr, csv_text(["Loan Number"], [["L1"]]))
    population.key_column = "other"
    with pytest.raises(Exception, match="immutable"):
        population.save()


def test_django_upload_objects(cr, population_dir, settings):
    content = csv_text(["Loan Number", "State"], [[f"L{i}", "CA"] for i in range(1000)]).encode()
    on_disk = TemporaryUploadedFile("big.csv", "text/csv", len(content), None)
    on_disk.write(content)
    on_disk.seek(0)
    population = ingest(cr, on_disk, on_disk.name, ATTRIBUTES, uploaded_by=cr.tester)
    assert population.rows == 1000
    assert population.sha256 == hashlib.sha256(content).hexdigest()
    in_memory = SimpleUploadedFile("small.csv", content, "text/csv")
    again = ingest(cr, in_memory, in_memory.name, ATTRIBUTES, uploaded_by=cr.tester)
    assert (again.version, again.rows, again.sha256) == (2, 1000, population.sha256)


@pytest.mark.parametrize(
    "uploaded, expected",
    [
        ("../../etc/pass\x00wd.csv", "passwd.csv"),
        ("C:\\Users\\me\\Loans  Q3.xlsx", "Loans Q3.xlsx"),
        ("", "population.csv"),
        ("..", "population.csv"),
        ("x" * 300 + ".csv", "x" * 251 + ".csv"),
    ],
)
def test_display_names_are_sanitised(uploaded, expected):
    assert display_name(uploaded, "csv") == expected


# --- refusals -----------------------------------------------------------------

HEADER = "Loan Number,State\r\n"


@pytest.mark.parametrize(
    "content, key_column, message",
    [
        (b"", None, "The file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None, "The file is neither CSV nor XLSX"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, None, "Legacy or password-protected Excel files"),
        (b"PK\x03\x04 not really a workbook", None, "The file is not a readable XLSX workbook"),
        (b"\r\n \r\n,\r\n", None, "The file has no header row"),
        (HEADER.encode(), None, "The file has a header but no records"),
        (b"\r\n" + HEADER.encode() + b"L1,CA\r\n", None, "Row 2: The header must be the first row"),
        (b"Loan Number,State, state \r\nL1,CA,CA\r\n", None, "Row 1: Columns 2 and 3 have the same name: 'State'"),
        (b"Loan Number,,State\r\nL1,x,CA\r\n", None, "Row 1: Column 2 of the header has no name"),
        (HEADER.encode() + b"L1,CA\r\n", "Account", "Row 1: The key column 'Account' is not in the header (columns: Loan Number, State)"),
        (HEADER.encode() + b"L1,CA\r\nL2,CA,extra\r\n", None, "Row 3: The row has 3 cells; the header has 2"),
        (HEADER.encode() + b"L1,CA\r\n  ,NY\r\n", None, "Row 3: The record key ('Loan Number') is empty"),
        (HEADER.encode() + b"L1,CA\r\n" + b"K" * 256 + b",NY\r\n", None, "Row 3: The record key is longer than 255"),
        (HEADER.encode() + b"L1,CA\r\nL2,\xff\xfe\r\n", None, "Row 3: The file is not UTF-8 text"),
        (HEADER.encode() + b'L1,"CA\r\n', None, "Row 2: A quoted value is not closed before the end of the file"),
        (HEADER.encode() + b'L1,"CA"x\r\n', None, "Row 2: The row is not valid CSV"),
        (HEADER.encode() + b"L1,CA\r\nL2,N\x00Y\r\n", None, "The file is neither CSV nor XLSX"),
        (HEADER.encode() + b"L1,CA\r\nL2,NY\r\nL1,TX\r\n", None, "Row 4: The record key 'L1' appears twice, in rows 2 and 4"),
    ],
)
def test_unreadable_files_are_refused_and_leave_nothing(cr, population_dir, content, key_column, message):
    with pytest.raises(PopulationError) as refused:
        upload(cr, content, key_column=key_column)
    assert str(refused.value).startswith(message)
    assert_nothing_left(population_dir)


def assert_nothing_left(population_dir):
    assert Population.objects.count() == 0
    assert PopulationRecord.objects.count() == 0
    assert stored_files(population_dir) == []


def test_row_numbers_count_quoted_line_breaks_as_one_row(cr, population_dir):
    content = HEADER + 'L1,"two\nlines"\r\nL2\r\n'
    with pytest.raises(PopulationError, match=r"^Row 3: The row has 1 cells"):
        upload(cr, content)


def test_a_decoding_error_far_into_the_file_names_its_row(cr, population_dir):
    rows = "".join(f"L{i},CA\r\n" for i in range(2, 5000))
    content = (HEADER + rows).encode() + b"L5000,\xe9t\xe9\r\n"  # latin-1, not UTF-8
    with pytest.raises(PopulationError, match=r"^Row 5000: The file is not UTF-8 text"):
        upload(cr, content)
    assert_nothing_left(population_dir)


def test_a_nul_character_past_the_sniffed_start_names_its_row(cr, population_dir):
    rows = "".join(f"L{i},CA\r\n" for i in range(2, 5000))
    content = (HEADER + rows).encode() + b"L5000,N\x00Y\r\n"
    with pytest.raises(PopulationError, match=r"^Row 5000: The row contains a NUL character"):
        upload(cr, content)
    assert_nothing_left(population_dir)


def test_limits(cr, population_dir, settings):
    settings.POPULATION_MAX_ROWS = 2
    with pytest.raises(PopulationError, match=r"^Row 4: The file has more than 2 records"):
        upload(cr, HEADER + "L1,CA\r\nL2,CA\r\nL3,CA\r\n")
    assert upload(cr, HEADER + "L1,CA\r\nL2,CA\r\n").rows == 2
    settings.POPULATION_MAX_COLUMNS = 1
    with pytest.raises(PopulationError, match=r"^Row 1: The file has 2 columns; at most 1 are accepted"):
        upload(cr, HEADER + "L1,CA\r\n")
    assert Population.objects.count() == 1
    assert len(stored_files(population_dir)) == 1


def test_size_limit_while_streaming_and_from_the_declared_size(cr, population_dir, settings):
    settings.POPULATION_MAX_BYTES = 100
    content = (HEADER + "".join(f"L{i},CA\r\n" for i in range(30))).encode()
    assert len(content) > 100
    with pytest.raises(PopulationError, match="larger than 100 bytes"):
        upload(cr, content)  # a BytesIO: no declared size, stopped while storing
    assert_nothing_left(population_dir)
    with pytest.raises(PopulationError, match="larger than 100 bytes"):
        ingest(cr, SimpleUploadedFile("p.csv", content), "p.csv", ATTRIBUTES, uploaded_by=cr.tester)
    assert_nothing_left(population_dir)


def xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    data = io.BytesIO()
    workbook.save(data)
    return data.getvalue()


def test_xlsx_refusals(cr, population_dir):
    with pytest.raises(PopulationError, match=r"^Row 3: The row has a value beyond the header's last column \(2\)"):
        upload(cr, xlsx([["Loan Number", "State"], ["L1", "CA"], ["L2", "NY", "extra"]]), name="p.xlsx")
    with pytest.raises(PopulationError, match=r"^Row 3: The record key 'L1' appears twice, in rows 2 and 3"):
        upload(cr, xlsx([["Loan Number", "State"], ["L1", "CA"], ["L1", "NY"]]), name="p.xlsx")
    with pytest.raises(PopulationError, match=r"^The file has no header row"):
        upload(cr, xlsx([]), name="p.xlsx")
    assert_nothing_left(population_dir)


def test_attributes_that_differ_only_by_case_are_not_guessed_between(cr, population_dir):
    attributes = [(1, "Balance", True), (2, "balance ", True)]
    with pytest.raises(PopulationError, match="Attributes 'Balance' and 'balance ' have the same name"):
        upload(cr, "Loan Number,Balance\r\nL1,5\r\n", attributes=attributes)
    assert_nothing_left(population_dir)


def test_a_refusal_late_in_a_large_file_leaves_nothing(cr, population_dir):
    rows = [[f"L{i}", "CA"] for i in range(2, 12000)] + [["L-bad"]]
    with pytest.raises(PopulationError, match=r"^Row 12000: The row has 1 cells"):
        upload(cr, csv_text(["Loan Number", "State"], rows))
    assert_nothing_left(population_dir)


# --- PostgreSQL's COPY and the batched INSERTs store the same -----------------

def test_copy_and_batched_inserts_store_the_same_records(cr, population_dir, monkeypatch):
    require_postgresql()
    content = (
        'Loan Number,State,Committed Exposure\r\n'
        'L1,"tab\there",1\r\n'
        'L2,"back\\slash and ""quotes""",2\r\n'
        'L3,"new\nline",3\r\n'
        'L4,caf\u00e9 \u2603,4\r\n'
    )
    copied = upload(cr, content)
    monkeypatch.setattr(population_ingest, "write_records", population_ingest.insert_records)
    inserted = upload(cr, content)
    assert [r[1:] for r in records(copied)] == [r[1:] for r in records(inserted)]
    assert records(copied)[1][2]["13"] == 'back\\slash and "quotes"'


def test_line_breaks_of_any_kind(cr, population_dir):
    for newline in ("\n", "\r", "\r\n"):
        content = newline.join(["Loan Number,State", "L1,CA", 'L2,"N', 'Y"', ""])
        population = upload(cr, content)
        assert records(population) == [(2, "L1", {"11": "L1", "13": "CA"}), (3, "L2", {"11": "L2", "13": f"N{newline}Y"})]
