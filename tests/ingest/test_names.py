from hypothesis import given
from hypothesis import strategies as st

from abierto.ingest.names import machine_names, to_machine_name


def test_spanish_titles() -> None:
    assert to_machine_name("Número de Expediente         ") == "numero_de_expediente"
    assert to_machine_name("AÑO") == "ano"
    assert to_machine_name("% de avance") == "pct_de_avance"
    assert to_machine_name("Nº Caso") == "num_caso"
    assert to_machine_name("2019") == "c_2019"
    assert to_machine_name("COLABORACIÒN") == "colaboracion"


def test_unique_and_blank() -> None:
    assert machine_names(["Estado", "ESTADO", "", "estado "]) == [
        "estado", "estado_2", "column_3", "estado_3"
    ]  # fmt: skip


@given(st.lists(st.text(max_size=80), max_size=30))
def test_always_unique_ascii_identifiers(titles: list[str]) -> None:
    names = machine_names(titles)
    assert len(names) == len(set(names)) == len(titles)
    for name in names:
        assert name.isascii() and name == name.lower() and len(name) <= 63
        assert name[0].isalpha()
    assert machine_names(titles) == names  # stable
