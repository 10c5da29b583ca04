"""What the CLI writes to a terminal: control characters made visible, never interpreted.

Descriptions, notes, privacy units and mechanisms are free text from whoever spent from the
ledger; an ANSI escape in one (`\\x1b[2J`, a colour, a cursor move, a fake prompt) or a bidi override
would otherwise act on the reader's terminal. The CLI writes through `EscapingWriter`, which turns
every control character except newline and tab into its escape text: `\\x1b` for C0 and `\\uXXXX`
for DEL, C1 and bidi controls. The second form is a valid JSON escape of the same character, so
`--json` output stays valid JSON that decodes to the same text (JSON already escapes C0 itself).
"""

from __future__ import annotations

from typing import Any, TextIO

from jupyter_privacy.core.safe_text import escape_controls


class EscapingWriter:
    """A text stream in front of another that escapes control characters on their way out."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(escape_controls(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, isatty, encoding, buffer, …
        return getattr(self._stream, name)
