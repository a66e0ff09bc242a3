"""Formats by their bytes (files built by real writers, and every real government file of
the shared collection), and how catalogs' licence and frequency words are read."""

from __future__ import annotations

import io
import json
import zipfile

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from abierto.census.prefill_sniff import Sniffed, sniff
from abierto.census.prefill_vocab import frequency_code, read_license
from tests.realdata import REALDATA

CUT = 64 * 1024


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("Hoja").write_row(0, 0, ["a", "b"])
    book.close()
    return buffer.getvalue()


def _ods() -> bytes:
    """The OpenDocument layout: an uncompressed ``mimetype`` member first."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _parquet() -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"folio": [1, 2], "monto": [1.5, 2.0]}), buffer)
    return buffer.getvalue()


def seen(body: bytes, *, complete: bool = True) -> Sniffed:
    found = sniff(body, complete=complete)
    assert found is not None
    return found


def test_formats_built_by_real_writers() -> None:
    assert seen(_xlsx()).format == "XLSX"
    assert seen(_ods()).format == "ODS"
    assert seen(_parquet()).format == "PARQUET"
    geo = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None}]}
    assert seen(json.dumps(geo).encode()).describe() == "GEOJSON (1 features)"
    assert seen(b'{"a": 1}\n{"a": 2}\n{"a": 3}\n').format == "NDJSON"
    page = json.dumps({"result": {"records": [], "_links": {"next": "/x?offset=100"}}})
    assert seen(page.encode()).paged
    assert not seen(b'[{"a": 1}]').paged
    assert (
        seen(b'{"a": [1, 2', complete=False).describe() == "JSON (the start of a larger document)"
    )
    assert (
        seen(b"<?xml version='1.0'?>\n<rows><row/></rows>").describe()
        == "XML (root element <rows>)"
    )
    xhtml = b'<?xml version="1.0"?>\n<!DOCTYPE html>\n<html><title>Portal</title>'
    assert seen(xhtml).describe() == "HTML (a web page titled 'Portal')"
    assert seen(b"a\tb\tc\n1\t2\t3\n").describe() == "TSV (tab-separated, 3 columns, UTF-8)"
    decimal_commas = "Estación;PM10\r\nCentro;12,5\r\nÁguilas;7,25\r\n".encode("cp1252")
    assert seen(decimal_commas).describe() == "CSV (';'-separated, 2 columns, not UTF-8)"
    assert seen(b"just some words").format == "TXT"
    assert sniff(b"\x00\x01\x02binary\x00") is None
    assert sniff(b"  \n") is None


def test_a_cut_multibyte_character_is_not_a_decoding_error() -> None:
    text = "municipio,población\nZapopan,1476491\nTonalá,569913\n".encode()
    cut = text[: text.index("á".encode()) + 1]  # half of "á"
    assert seen(cut, complete=False).describe() == "CSV (','-separated, 2 columns, UTF-8)"


EXPECTED = {"csv": "CSV", "excel": ("XLSX", "XLS"), "pdf": "PDF"}


@pytest.mark.parametrize("folder", ["csv", "excel", "pdf"])
def test_every_real_file_by_its_first_bytes(folder: str) -> None:
    """The shared government files, cut as the pre-fill cuts them."""
    if not (REALDATA / folder).is_dir():
        pytest.skip(f"the real-data collection is absent from {REALDATA}")
    for path in sorted((REALDATA / folder).iterdir()):
        body = path.read_bytes()
        found = sniff(body[:CUT], complete=len(body) <= CUT)
        assert found is not None, path.name
        if path.name == "mx_inegi_indicadores_export_is_html.csv":
            assert found.format == "HTML"  # an ASP.NET page saved as .csv
            continue
        assert found.format in EXPECTED[folder], (path.name, found)
        if path.name.endswith(".xls"):
            assert found.format == "XLS"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("cc-by", ("cc-by", True)),  # CKAN ids
        ("cc-zero", ("cc0-1.0", True)),
        ("cc-nc", ("cc-nc", False)),
        ("other-closed", ("other-closed", False)),
        ("notspecified", ("notspecified", False)),
        ("other-open", ("other-open", None)),  # only the publisher's word
        ("CC-BY-4.0", ("cc-by-4.0", True)),  # SPDX
        ("ODbL-1.0", ("odc-odbl", True)),
        ("https://creativecommons.org/licenses/by/4.0/", ("cc-by-4.0", True)),  # DCAT URLs
        ("http://creativecommons.org/licenses/by-sa/3.0/deed.es", ("cc-by-sa-3.0", True)),
        ("https://creativecommons.org/licenses/by-nd/4.0/", ("cc-by-nd-4.0", False)),
        ("https://creativecommons.org/publicdomain/zero/1.0/", ("cc0-1.0", True)),
        ("http://opendefinition.org/licenses/odc-by/", ("odc-by", True)),  # real DKAN
        ("https://datos.gob.mx/libreusomx", ("libre-uso-mx", True)),
        ("Open Data Commons Open Database License (ODbL)", ("odc-odbl", True)),  # real DCAT
        ("Creative Commons Attribution", ("cc-by", True)),
        ("Creative Commons Atribución-NoComercial 4.0", ("cc-by-nc-4.0", False)),
        ("Términos de Libre Uso MX", ("libre-uso-mx", True)),
        ("Licencia municipal 2019", ("Licencia municipal 2019", None)),
    ],
)
def test_licences_as_catalogs_write_them(value: str, expected: tuple[str, bool | None]) -> None:
    reading = read_license(value)
    assert (reading.id, reading.is_open) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("R/P1D", "DAILY"),
        ("R/P7D", "WEEKLY"),
        ("R/P1M", "MONTHLY"),
        ("R/P3M", "QUARTERLY"),
        ("R/P6M", "ANNUAL_2"),
        ("R/P1Y", "ANNUAL"),
        ("R/PT1H", "DAILY"),
        ("R/P0.5M", None),  # twice a month: abierto's vocabulary has no such period
        ("eventual", "IRREG"),
        ("http://publications.europa.eu/resource/authority/frequency/QUARTERLY", "QUARTERLY"),
        ("Mensual", "MONTHLY"),
        ("monthly", "MONTHLY"),
        ("ANNUAL", "ANNUAL"),
        ("cuando se pueda", None),
        (None, None),
    ],
)
def test_frequencies_as_catalogs_write_them(value: str | None, code: str | None) -> None:
    assert frequency_code(value) == code
