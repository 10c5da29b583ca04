"""Free text from the ledger (descriptions, notes, privacy units) shown as text: control characters
escaped visibly, so an ANSI escape or a bidi override cannot act on a terminal or a notebook's
text output. Newline and tab pass; C0 becomes `\\x1b`, DEL/C1/bidi `\\uXXXX` (a valid JSON escape).
"""

from __future__ import annotations

import re

#: C0 (but newline and tab), DEL, C1, and the Unicode bidi / direction controls.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def escape_controls(text: str) -> str:
    return CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x20 else f"\\u{code:04x}"
