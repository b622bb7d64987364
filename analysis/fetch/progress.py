"""One progress line on stderr: redrawn in place on a terminal, a line per step otherwise."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, stream=None, interval: float = 0.2):
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval
        self._last = 0.0
        self._open = False

    def update(self, text: str, force: bool = False) -> None:
        """Show the current counts; on a terminal at most every `interval` seconds."""
        if self.tty:
            now = time.monotonic()
            if not force and now - self._last < self.interval:
                return
            self._last = now
            self.stream.write("\r\033[K" + text)
            self._open = True
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def say(self, text: str) -> None:
        """A message on its own line (after the progress line, if one is open)."""
        if self._open:
            self.stream.write("\n")
            self._open = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False
