"""The composition root shared by the headless commands and the GUI (`TerminalServices`,
in `composition`), with its parts: options and errors, the paper exchange it starts or
joins, the emergency stop's sweeps, the order gate's inputs, what the window asks of the
exchange layer, and the start-up helpers of the GUI."""

from terminal.services.composition import CLOSE_TIMEOUT_S, TerminalServices
from terminal.services.options import (
    ServicesError,
    ServicesOptions,
    VenueUnknown,
    control_advert_path,
    parse_paper_account,
)
from terminal.services.startup import journal_held_elsewhere, preload_exchange_layer
from terminal.stop_control import StopNotice

__all__ = [
    "CLOSE_TIMEOUT_S",
    "ServicesError",
    "ServicesOptions",
    "StopNotice",
    "TerminalServices",
    "VenueUnknown",
    "control_advert_path",
    "journal_held_elsewhere",
    "parse_paper_account",
    "preload_exchange_layer",
]
