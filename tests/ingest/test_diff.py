from abierto.ingest.diff import schema_diff


def col(name: str, title: str, kind: str = "text", values: tuple = ()) -> dict:
    top = [{"value": v, "count": 1} for v in values]
    return {"name": name, "title": title, "type": kind, "profile": {"top_values": top}}


def kinds(diff: dict) -> set[tuple[str, str]]:
    return {(c["kind"], c["column"]) for c in diff["changes"]}


def test_same_schema() -> None:
    old = [col("a", "A"), col("b", "B", "integer")]
    diff = schema_diff(old, old)
    assert diff == {"breaking": False, "changes": [], "summary": diff["summary"]}


def test_added_removed_type_changed_reordered() -> None:
    old = [col("a", "A"), col("b", "B", "integer"), col("c", "C", "date")]
    new = [col("b", "B", "number"), col("a", "A"), col("d", "Z", "boolean")]
    diff = schema_diff(old, new)
    assert kinds(diff) == {
        ("type-changed", "b"), ("removed", "c"), ("added", "d"), ("reordered", "")
    }  # fmt: skip
    by_kind = {c["kind"]: c for c in diff["changes"]}
    assert by_kind["type-changed"]["breaking"] is False  # integer → number keeps every value
    assert by_kind["removed"]["breaking"] is True
    assert by_kind["added"]["breaking"] is False
    assert diff["breaking"] is True


def test_rename_detected_from_title_and_values() -> None:
    old = [col("monto_contratado", "Monto contratado", "number", (100, 200, 300))]
    new = [col("monto_del_contrato", "Monto del contrato", "number", (100, 200, 300))]
    [change] = schema_diff(old, new)["changes"]
    assert change["kind"] == "renamed"
    assert (change["old"], change["new"]) == ("monto_contratado", "monto_del_contrato")
    assert change["confidence"] >= 0.6


def test_unrelated_columns_are_not_renames() -> None:
    old = [col("municipio", "Municipio", "text", ("Zapopan",))]
    new = [col("importe", "Importe", "number", (5,))]
    assert kinds(schema_diff(old, new)) == {("removed", "municipio"), ("added", "importe")}


def test_changed_title_under_a_kept_name() -> None:
    diff = schema_diff([col("monto", "Monto")], [col("monto", "Monto total")])
    assert kinds(diff) == {("title-changed", "monto")}
    assert diff["breaking"] is False
