"""The services' options (from the command line), their errors, and where the holder of
a journal advertises its control channel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from terminal.paths import AppPaths
from terminal.settings import Settings, load_settings

if TYPE_CHECKING:
    pass

CLOSE_TIMEOUT_S = 5.0  # the time limit of each step of closing the services


class ServicesError(RuntimeError):
    """A service could not start (bad option, journal locked, paper exchange down...)."""


class VenueUnknown(ServicesError):
    """The catalogue has no venue of that id."""


@dataclass
class ServicesOptions:
    data_dir: str | None = None
    journal: str | None = None  # --journal PATH-or-URL
    paper_url: str | None = None  # --paper-url: join a running paper exchange
    paper_account: str | None = None  # --paper-account KEY:SECRET
    start_paper: bool = True  # start the embedded paper exchange when no --paper-url
    read_only_journal: bool = False  # `journal show/export`: no lock, no writes
    safety: bool = True  # load the testnet lock / emergency stop / precautions gate
    private_streams: bool = False  # GUI: watch orders/fills/balances of each session
    control_channel: bool = True  # serve `trading-terminal stop` from other processes
    sweep_engaged_on_connect: bool = True  # stop engaged: sweep each venue once reconciled
    session_heartbeat_s: float = 15.0

    @classmethod
    def from_args(cls, args: Any, **overrides: Any) -> ServicesOptions:
        """From the CLI's global options (argparse namespace)."""
        values: dict[str, Any] = {
            "data_dir": getattr(args, "data_dir", None),
            "journal": getattr(args, "journal", None),
            "paper_url": getattr(args, "paper_url", None),
            "paper_account": getattr(args, "paper_account", None),
        }
        values.update(overrides)
        return cls(**values)


def parse_paper_account(text: str) -> tuple[str, str]:
    key, sep, secret = (text or "").partition(":")
    if not sep or not key or not secret:
        raise ServicesError("--paper-account must be KEY:SECRET")
    return key, secret


def control_advert_path(
    options: ServicesOptions, paths: AppPaths, settings: Settings | None = None
) -> Path:
    """Where the holder of this journal advertises its control channel: beside the
    journal file (`journal.sqlite.control`), or in the data dir for a server database.

    The usual cases (the default journal, --journal PATH) are worked out without
    importing the journal's database layer, so `trading-terminal stop` reaches a
    running terminal without that start-up cost.
    """
    from terminal.control.advert import DEFAULT_ADVERT, advert_path_for

    settings = settings or load_settings(paths.config)
    data = paths.ensure_data()
    value = options.journal or settings.journal.url
    if not value:
        return data / DEFAULT_ADVERT
    if "://" not in value:
        journal = Path(value).expanduser().resolve()
        return journal.with_name(journal.name + ".control")
    from terminal.journal.store import journal_url_from, lock_path_for

    url = journal_url_from(options.journal, data, settings.journal.url)
    return advert_path_for(lock_path_for(url, data))
