"""The README says what the code does: every close code the server sends, every setting."""

from __future__ import annotations

import ast
import re

import pytest

from avalon import config
from avalon.protocol.codes import CloseCode
from tests.support import ROOT

PACKAGE = ROOT / "avalon"
README = ROOT / "README.md"
# Calls that take a close code first: frames' Violation, CloseSocket, Connection.close,
# Server.close, transport.close_frame.
CLOSE_CALLS = frozenset({"Violation", "CloseSocket", "close", "close_frame"})
NO_NAME = "-"  # the name column of a code that CloseCode does not hold (1002, 1007)

pytestmark = pytest.mark.timeout(30)


def section(text: str, heading: str) -> str:
    """The lines under a Markdown heading, up to the next heading of its level or above."""
    level = len(heading) - len(heading.lstrip("#"))
    lines = text.splitlines()
    start = lines.index(heading) + 1  # ValueError names a heading that went missing
    in_code = False
    for number in range(start, len(lines)):
        line = lines[number]
        if line.startswith("```"):
            in_code = not in_code  # a '#' inside a code block (nginx's comments) is no heading
        elif not in_code and line.startswith("#"):
            if len(line) - len(line.lstrip("#")) <= level:
                return "\n".join(lines[start:number])
    return "\n".join(lines[start:])


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the first Markdown table in the text, as stripped cells."""
    rows: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("|"):
            cells = line.replace("\\|", "\x00").strip().strip("|").split("|")
            rows.append([cell.replace("\x00", "|").strip() for cell in cells])
        elif rows:
            break  # the first table ended
    assert len(rows) > 2, f"no table with rows under this heading:\n{text[:300]}"
    return rows[2:]  # after the header and its --- line


def close_code_table() -> dict[int, str]:
    """The README's close-code table: each code with its name cell."""
    rows = table_rows(section(README.read_text(), "### Close codes"))
    return {int(row[0].strip("`")): row[1].strip("`") for row in rows}


def literal_close_codes(source: str) -> set[int]:
    """Integer literals a piece of source passes as a close code (first or `code=` argument)."""
    found: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in CLOSE_CALLS:
            continue
        arguments = node.args[:1] + [word.value for word in node.keywords if word.arg == "code"]
        for argument in arguments:
            if isinstance(argument, ast.Constant) and type(argument.value) is int:
                found.add(argument.value)
    return found


def codes_the_package_sends() -> set[int]:
    """The protocol's IntEnum and every literal close code anywhere in the package."""
    codes = {int(code) for code in CloseCode}
    for path in PACKAGE.rglob("*.py"):
        codes |= literal_close_codes(path.read_text())
    return codes


def configuration_variables() -> set[str]:
    """The variables named in the first column of the README's configuration table."""
    rows = table_rows(section(README.read_text(), "## Configuration"))
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", row[0])}


def test_the_collector_finds_literal_close_codes_and_nothing_else():
    source = (
        "Violation(1002, 'reserved bits set')\n"
        "conn.close(4999, 'bye')\n"
        "ws.close(code=1011)\n"
        "CloseSocket(CloseCode.IDLE, 'an enum member, counted through CloseCode')\n"
        "gevent.sleep(1000)\n"
        "conn.close(True)\n"
    )
    assert literal_close_codes(source) == {1002, 4999, 1011}


def test_the_package_sends_the_frame_parser_s_own_codes():
    # The walk over avalon/ finds what the enum does not hold: RFC 6455 protocol errors.
    assert {1002, 1007} <= codes_the_package_sends() - {int(code) for code in CloseCode}


def test_the_close_code_table_lists_exactly_the_codes_the_package_sends():
    table = set(close_code_table())
    sent = codes_the_package_sends()
    missing, unknown = sorted(sent - table), sorted(table - sent)
    assert (missing, unknown) == ([], []), "README close codes: add missing, drop unknown"


def test_each_close_code_carries_the_name_api_rules_gives_it():
    names = {int(code): code.name.lower() for code in CloseCode}
    table = close_code_table()
    assert {code: names.get(code, NO_NAME) for code in table} == table


def test_every_setting_is_in_the_configuration_table():
    settings = {variable for variable, *_ in config.SETTINGS}
    assert sorted(settings - configuration_variables()) == []


def test_the_configuration_table_names_only_variables_the_code_reads():
    sources = [path.read_text() for path in PACKAGE.rglob("*.py")]
    sources.append((ROOT / "gunicorn.conf.py").read_text())
    code = "\n".join(sources)
    unread = [
        name
        for name in sorted(configuration_variables())
        if not re.search(rf"[\"']{name}[\"']", code)  # a string literal naming it
    ]
    assert unread == []
