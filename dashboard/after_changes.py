"""Work a process does again after committed changes, in one thread of its own, once for any number of them.

A change committed while the work runs has it run once more when it ends, so what it last made always shows the last
change; an import of a thousand rows runs it once, not a thousand times. The link previews' pictures
(share_images.Painter) and the pages built ahead of their readers (warming.Warmer) are such work.
"""

from __future__ import annotations

import logging
import threading

from django.db import connections


class AfterChanges:
    """Subclasses name the thread, the logger and the message for a failure, and do the work in run_once()."""

    thread_name = "after-changes"
    logger = logging.getLogger(__name__)
    failure = "Work after a change failed."

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.again = False
        self.thread: threading.Thread | None = None

    def run_once(self) -> None:
        raise NotImplementedError

    def changed(self) -> None:
        with self.lock:
            self.again = True
            if self.thread is None:
                self.thread = threading.Thread(target=self.run, name=self.thread_name, daemon=True)
                self.thread.start()

    def run(self) -> None:
        try:
            while True:
                with self.lock:
                    if not self.again:
                        self.thread = None
                        return
                    self.again = False
                try:
                    self.run_once()
                except Exception:
                    # The work is a convenience to readers: its failure is logged, and never refuses an editor's save.
                    self.logger.exception(self.failure)
        finally:
            # The thread's own database connections: no request's end closes them.
            connections.close_all()

    def wait(self, timeout: float) -> bool:
        """Whether the work was done within timeout seconds (for the command line and the tests)."""
        with self.lock:
            thread = self.thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True
