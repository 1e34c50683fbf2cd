"""Every list of allowed values the phone uses is the one sync/protocol.py defines.

web/src/shared/protocol.ts keeps each list as `export const NAME = [...] as const` (its types
derive from those arrays); this reads the arrays from the file and compares them, in order,
with the Literal of the same meaning in sync/protocol.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args

import pytest

from sync import protocol

PROTOCOL_TS = Path(__file__).resolve().parents[2] / "web" / "src" / "shared" / "protocol.ts"


def _python_values(name: str) -> tuple[str, ...]:
    literal: Any = getattr(protocol, name)
    return tuple(get_args(literal))


def _ts_values(name: str) -> tuple[str, ...]:
    text = PROTOCOL_TS.read_text(encoding="utf-8")
    match = re.search(
        rf"^export const {name} = \[(.*?)\] as const$", text, re.MULTILINE | re.DOTALL
    )
    assert match, f"protocol.ts has no `export const {name} = [...] as const`"
    body = re.sub(r"//[^\n]*", "", match.group(1))
    values = re.findall(r"'([^']*)'", body)
    assert re.sub(r"'[^']*'|[\s,]", "", body) == "", (
        f"{name} holds something besides string literals"
    )
    return tuple(values)


#: TypeScript array → the Python Literal it must equal.
LISTS = {
    "VISIT_MODES": "VisitMode",
    "DEMAND_CATEGORIES": "DemandCategory",
    "DEMAND_STATUSES": "DemandStatus",
    "SATISFACTIONS": "Satisfaction",
    "ITEM_RESULT_VALUES": "ItemResultValue",
    "RECTIFICATION_STATUSES": "RectificationStatus",
    "RECORD_STATUSES": "RecordStatus",
}


@pytest.mark.parametrize(("ts_name", "py_name"), sorted(LISTS.items()))
def test_typescript_list_is_the_protocol_literal(ts_name: str, py_name: str) -> None:
    python = _python_values(py_name)
    assert python, f"no values for {py_name}"
    assert _ts_values(ts_name) == python
