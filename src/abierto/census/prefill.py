"""Automatic pre-fill: answer what the evidence URL itself can tell, each with its evidence.

Volunteers spend most of a census day clicking through portals to see whether a file is
there, opens without a login, is really a CSV and not a PDF, carries an open licence and
is recent. Given an evidence URL — a dataset on this (or any abierto) portal, on a CKAN
portal, in a DCAT ``data.json`` catalog, or a file — ``prefill`` does that reading
(``prefill_sources``), downloads the first kilobytes of up to three of its files and
judges them by their bytes (``prefill_sniff``), and answers by census question key:
``exists``, ``online``, ``url``, ``registration_free``, ``free``, ``bulk_download``,
``format``, ``open_format``, ``license``, ``open_license``, ``last_updated``,
``up_to_date``. Each answer carries one line of evidence (what was fetched, what was seen)
and the URL it came from. What cannot be determined is left out, never guessed, and
``problems`` says why. A human still submits, and a reviewer still accepts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from abierto.catalog.vocab import FREQUENCIES
from abierto.census.http import Fetched, Fetcher
from abierto.census.prefill_sniff import Sniffed, sniff
from abierto.census.prefill_sources import SNIFF_BYTES, Distribution, Source, read_source
from abierto.census.prefill_vocab import frequency_code, read_license
from abierto.quality.checks import OPEN_FORMATS, PROPRIETARY_MACHINE_READABLE
from abierto.quality.freshness import assess_freshness

MAX_PROBES = 3
# Paths a site sends visitors to when it wants them to log in first.
LOGIN_PATH = re.compile(
    r"(^|[/_.-])(log-?in|sign-?in|signon|iniciar-sesion|inicio-sesion|sesion|session|auth"
    r"|oauth2?|sso|cas|acceso|acceder|entrar)([/_.?=-]|$)",
    re.IGNORECASE,
)
DOCUMENTS = {"PDF", "DOC", "DOCX", "HTML"}  # readable by people, not by machines


@dataclass(frozen=True, slots=True)
class PrefilledAnswer:
    value: str
    evidence: str  # what was fetched and what was seen
    source: str  # the URL whose answer this is


@dataclass(slots=True)
class Prefill:
    url: str = ""
    answers: dict[str, PrefilledAnswer] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def set(self, key: str, value: str, evidence: str, source: str) -> None:
        self.answers[key] = PrefilledAnswer(value, evidence, source)

    def values(self) -> dict[str, str]:
        return {key: answer.value for key, answer in self.answers.items()}


@dataclass(frozen=True, slots=True)
class Probe:
    """One distribution's first bytes, fetched and judged."""

    distribution: Distribution
    fetched: Fetched
    sniffed: Sniffed | None

    @property
    def format(self) -> str:
        return self.sniffed.format if self.sniffed else ""

    @property
    def got_data(self) -> bool:
        return self.fetched.ok and not walled(self.fetched) and self.format not in ("", "HTML")

    @property
    def rank(self) -> int:
        """How good a sign of openness this file is: open formats first, web pages last."""
        if self.format in OPEN_FORMATS and self.format != "TXT":
            return 4
        if self.format in PROPRIETARY_MACHINE_READABLE:
            return 3
        return {"ZIP": 2, "PDF": 1, "DOC": 1, "DOCX": 1, "TXT": 0, "HTML": -1}.get(self.format, -2)

    def evidence(self) -> str:
        seen = f"; the first bytes are {self.sniffed.describe()}" if self.sniffed else ""
        declared = self.distribution.declared
        if declared and self.format and self.format.lower() not in declared.lower():
            seen += f" (declared {declared})"
        return f"{self.fetched.describe()}{seen}"


def prefill(
    url: str,
    client: Fetcher,
    now: dt.datetime,
    *,
    frequency_hint: str | None = None,
    portal: str | None = None,
) -> Prefill:
    """Answers by question key for ``url``. ``frequency_hint`` (a frequency code or word) is
    used for "up to date" only when the catalog declares none; ``portal`` is this portal's
    public base URL, so its own datasets are named as such in the evidence."""
    url = url.strip()
    result = Prefill(url)
    source = read_source(url, client, result.problems, portal)
    if source is None or not _reachable(source, result):
        return result
    probes = _probe(source, client, result)
    _access(source, probes, result)
    _format(probes, result)
    _license(source, result)
    _freshness(source, now, frequency_hint, result)
    return result


def walled(fetched: Fetched) -> bool:
    """Asked for a login: 401/403, or redirected to a login page."""
    if fetched.status in (401, 403):
        return True
    path = urlsplit(fetched.final_url).path
    return bool(fetched.redirects) and LOGIN_PATH.search(path) is not None


def _reachable(source: Source, result: Prefill) -> bool:
    page = source.page
    evidence = page.describe()
    if page.ok and not walled(page):
        what = "the file answers" if source.kind == "file" else f"{source.label} describes it"
        result.set("exists", "yes", f"{evidence}: {what}", page.url)
        result.set("online", "yes", evidence, page.url)
        return True
    if walled(page):
        result.set("online", "yes", f"{evidence}: the page is there, behind a login", page.url)
        result.set("registration_free", "no", f"{evidence}: it asks for a login", page.url)
        result.problems.append("behind a login: nothing more can be checked without an account")
    elif page.status == 402:
        result.set("online", "yes", evidence, page.url)
        result.set("free", "no", f"{evidence}: the server asks for payment", page.url)
        result.problems.append("behind a payment: nothing more can be checked")
    else:
        result.problems.append(f"could not read the URL: {evidence}")
    return False


def _declared_rank(distribution: Distribution) -> tuple[bool, int]:
    """Files before access pages, declared open formats before the rest: the order in
    which distributions are worth downloading."""
    declared = distribution.declared.upper()
    is_open = any(fmt in declared for fmt in OPEN_FORMATS if fmt != "TXT")
    is_sheet = any(fmt in declared for fmt in PROPRIETARY_MACHINE_READABLE)
    return (not distribution.is_file, 0 if is_open else 1 if is_sheet else 2)


def _probe(source: Source, client: Fetcher, result: Prefill) -> list[Probe]:
    if source.kind == "file":
        page = source.page
        judged = sniff(page.body, complete=not page.truncated)
        if judged is not None and judged.format == "HTML":
            result.problems.append(
                f"{page.describe()}: {judged.describe()}, not a catalog record or a file;"
                " give the URL of the file or of its dataset in a catalog"
            )
            return []
        return [Probe(source.distributions[0], page, judged)]
    if not source.distributions:
        result.problems.append(f"{source.label} lists no file or link to the data")
        return []
    probes: list[Probe] = []
    ordered = sorted(source.distributions, key=_declared_rank)
    for distribution in ordered[:MAX_PROBES]:
        fetched = client.get(distribution.url, max_bytes=SNIFF_BYTES)
        judged = sniff(fetched.body, complete=not fetched.truncated) if fetched.ok else None
        probes.append(Probe(distribution, fetched, judged))
        if probes[-1].rank == 4:
            return probes
    if len(ordered) > MAX_PROBES:
        result.problems.append(f"only {MAX_PROBES} of the {len(ordered)} files were checked")
    return probes


def _access(source: Source, probes: list[Probe], result: Prefill) -> None:
    """url, registration_free, free and bulk_download: what downloading the data showed."""
    data = max((p for p in probes if p.got_data), key=lambda p: p.rank, default=None)
    if data is None:
        result.set("url", result.url, f"{source.page.describe()}: {source.label}", result.url)
        _no_data(probes, result)
        return
    got = data.fetched
    result.set("url", got.url, f"{data.evidence()}: the data itself", got.url)
    result.set(
        "registration_free", "yes", f"{got.describe()} with no account or credentials", got.url
    )
    result.set("free", "yes", f"{got.describe()} without paying or logging in", got.url)
    if data.sniffed and data.sniffed.paged:
        result.set("bulk_download", "no", f"{data.evidence()}: one page of an API", got.url)
    else:
        result.set("bulk_download", "yes", f"{data.evidence()}: one file by one GET", got.url)


def _no_data(probes: list[Probe], result: Prefill) -> None:
    wall = next((p.fetched for p in probes if walled(p.fetched)), None)
    paid = next((p.fetched for p in probes if p.fetched.status == 402), None)
    page = next((p for p in probes if p.format == "HTML"), None)
    if wall is not None:
        evidence = f"{wall.describe()}: the file asks for a login"
        result.set("registration_free", "no", evidence, wall.url)
    if paid is not None:
        result.set("free", "no", f"{paid.describe()}: the server asks for payment", paid.url)
    if page is not None:
        result.set(
            "bulk_download", "no", f"{page.evidence()}: a web page, not a file", page.fetched.url
        )
    failed = [p.fetched.describe() for p in probes if not p.fetched.ok]
    result.problems.append(
        "no data file could be downloaded"
        + (f" ({'; '.join(failed)})" if failed else "")
        + ": free, registration and bulk download are left to a person"
    )


def _format(probes: list[Probe], result: Prefill) -> None:
    judged = [p for p in probes if p.sniffed is not None]
    if not judged:
        if probes:
            result.problems.append("the format could not be recognised from the bytes")
        return
    best = max(judged, key=lambda p: p.rank)
    others = [f"{p.fetched.url} is {p.format}" for p in judged if p is not best]
    evidence = best.evidence() + (f"; also {', '.join(others)}" if others else "")
    url = best.fetched.url
    result.set("format", best.format, evidence, url)
    is_open = _open_format(best)
    if is_open is None:
        result.problems.append(f"{best.evidence()}: whether it is open is left to a person")
    else:
        result.set("open_format", "yes" if is_open else "no", evidence, url)


def _open_format(probe: Probe) -> bool | None:
    """Open and machine-readable? ``None`` when the bytes seen cannot tell."""
    fmt = probe.format
    if fmt == "ZIP":
        inner = probe.sniffed.member.rsplit(".", 1)[-1].upper() if probe.sniffed else ""
        if inner in OPEN_FORMATS and inner != "TXT":
            return True
        return False if inner in PROPRIETARY_MACHINE_READABLE | DOCUMENTS else None
    if fmt == "TXT":
        return None
    return fmt in OPEN_FORMATS


def _license(source: Source, result: Prefill) -> None:
    if source.kind == "file":
        result.problems.append("a bare file states no licence: the publisher's terms decide")
        return
    if not source.license:
        result.problems.append(f"{source.label} states no licence")
        return
    reading = read_license(source.license)
    evidence = f"{source.label} says license {source.license!r}"
    url = source.page.url
    result.set("license", reading.id, evidence, url)
    if reading.is_open is None:
        result.problems.append(f"licence {source.license!r}: a person must read its terms")
    else:
        verdict = "conforms" if reading.is_open else "does not conform"
        result.set(
            "open_license",
            "yes" if reading.is_open else "no",
            f"{evidence}; {reading.id} {verdict} to the Open Definition",
            url,
        )


def _freshness(source: Source, now: dt.datetime, hint: str | None, result: Prefill) -> None:
    modified = source.modified
    if modified is None:
        result.problems.append(f"{source.label} gives no modification date")
        return
    when = f"{source.label}: {source.modified_from} {modified:%Y-%m-%d}"
    url = source.page.url
    result.set("last_updated", modified.date().isoformat(), when, url)
    code, origin = frequency_code(source.frequency), f"declared frequency {source.frequency!r}"
    if code is None and source.frequency:
        result.problems.append(f"unknown update frequency {source.frequency!r}")
    if code is None and hint:
        code, origin = frequency_code(hint), f"expected frequency {hint!r} (not from the catalog)"
    if code is None:
        result.problems.append("no known update frequency: whether it is up to date is left open")
        return
    fresh = assess_freshness(code, modified, now)
    if fresh.due_at is None:
        result.problems.append(f"{origin} is {FREQUENCIES[code][1].lower()}: no due date")
        return
    late = f"overdue by {fresh.days_overdue} days" if fresh.status == "overdue" else "not due yet"
    evidence = f"{when}; {origin} ({code}): next update due {fresh.due_at:%Y-%m-%d}, {late}"
    result.set("up_to_date", "no" if fresh.status == "overdue" else "yes", evidence, url)
