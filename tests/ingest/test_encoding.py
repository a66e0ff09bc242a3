from pathlib import Path

import pytest

from abierto.ingest.readers.encoding import detect_encoding, transcode_to_utf8


def write(tmp_path: Path, data: bytes, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_windows_1252_ano_is_not_read_as_windows_1250(tmp_path: Path) -> None:
    # The trap: a free detector calls this Windows-1250 and turns AÑO into AŃO.
    text = "AÑO,MUNICIPIO,MONTO\n2019,Guadalajara,“1,200”\n2020,Zapopan – Centro,5\n"
    path = write(tmp_path, text.encode("windows-1252"))
    guess = detect_encoding(path)
    assert guess.encoding == "windows-1252"
    out = tmp_path / "out.csv"
    transcode_to_utf8(path, out, guess.encoding)
    assert out.read_text(encoding="utf-8").startswith("AÑO,MUNICIPIO")
    assert "“1,200”" in out.read_text(encoding="utf-8")


def test_latin1_without_windows_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, "AÑO;DEPARTAMENTO\n2020;ÁNCASH\n".encode("latin-1"))
    guess = detect_encoding(path)
    assert guess.encoding == "iso-8859-1"
    assert 0 < guess.confidence <= 1


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("AÑO,x\n1,2\n".encode("utf-8-sig"), "utf-8-sig"),
        ("AÑO,x\n1,2\n".encode(), "utf-8"),
        ("AÑO,x\n1,2\n".encode("utf-16"), "utf-16"),
        ("AÑO,x\n1,2\n".encode("utf-16-le"), "utf-16-le"),
        (b"plain,ascii\n1,2\n", "utf-8"),
    ],
)
def test_unicode_forms(tmp_path: Path, data: bytes, expected: str) -> None:
    assert detect_encoding(write(tmp_path, data)).encoding == expected


def test_late_non_ascii_byte_is_found_in_a_large_file(tmp_path: Path) -> None:
    # 3 MB of ASCII, then a Windows-1252 "Ñ": strict UTF-8 must not be claimed.
    data = b"a,b\n" + b"1,2\n" * 800_000 + "ESPAÑA,3\n".encode("windows-1252")
    guess = detect_encoding(write(tmp_path, data))
    assert guess.encoding != "utf-8"


def test_mac_roman_is_recognised(tmp_path: Path) -> None:
    text = "Nº,Descripción,Año\r1,CONSTRUCCIÓN DE LÍNEA “NORTE”,2007\r"
    path = write(tmp_path, text.encode("mac-roman"))
    guess = detect_encoding(path)
    assert guess.encoding == "mac-roman"
    out = tmp_path / "out.csv"
    transcode_to_utf8(path, out, guess.encoding)
    assert out.read_text(encoding="utf-8").splitlines()[0] == "Nº,Descripción,Año"


def test_forced_encoding_is_used(tmp_path: Path) -> None:
    path = write(tmp_path, b"a\n")
    assert detect_encoding(path, "cp850").encoding == "cp850"
    with pytest.raises(LookupError):
        detect_encoding(path, "no-such-codec")


@pytest.mark.parametrize(
    ("name", "encoding", "word"),
    [
        ("mx_sat_listado_completo_69b_2022-11.csv", "windows-1252", "Situación"),
        ("mx_zapopan_obra_publica.csv", "mac-roman", "Nº"),
        ("pe_bonos_covid_hogares_muestra.csv", "iso-8859-1", None),
        ("pe_mef_donaciones_covid.csv", "iso-8859-1", None),
        ("mx_inegi_bie_indicadores_envipe_utf16.csv", "utf-16-le", "Estadística"),
        ("pe_minsa_adquisiciones_epp.csv", "utf-8-sig", None),
        ("mx_compranet_contratos2013_sample.csv", "utf-8", None),
    ],
)
def test_real_files(
    realdata: Path, tmp_path: Path, name: str, encoding: str, word: str | None
) -> None:
    path = realdata / "csv" / name
    guess = detect_encoding(path)
    assert guess.encoding == encoding
    if word:
        out = tmp_path / "out.csv"
        transcode_to_utf8(path, out, guess.encoding)
        assert word in out.read_text(encoding="utf-8")
