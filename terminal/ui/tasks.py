"""The task owner of the GUI: the core's `TaskOwner`, with failures made visible.

Every coroutine a button or a timer starts goes through it: it keeps a reference,
routes an exception nobody awaited to `terminal.crash` (log + visible notice), and
cancels what is left, bounded in time, when the window closes.
"""

from __future__ import annotations

from terminal import crash
from terminal.core.supervision import TaskOwner


def report_failure(task_name: str, exc: BaseException) -> None:
    crash.report_exception(exc, source="asyncio", message=f"task {task_name} failed")


def gui_task_owner(name: str) -> TaskOwner:
    return TaskOwner(name, on_failure=report_failure)
