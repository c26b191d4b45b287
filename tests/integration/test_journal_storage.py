"""The journal's disk as it fails in real life, through the real `trading-terminal`
commands in subprocesses against a running paper exchange: a damaged journal file,
and a disk that stops taking writes in the middle of an order."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from terminal.paper.embedded import start_paper_exchange
from tests.journal.test_integrity import damage_page

ROOT = Path(__file__).resolve().parents[2]
KEY, SECRET = "storage-key-0001", "storage-secret-00000000001"


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    handle = start_paper_exchange(
        tmp_path_factory.mktemp("paper-storage"), faults=True, rate="calm", accounts=[(KEY, SECRET)]
    )
    try:
        yield handle
    finally:
        handle.stop()


def cli(data_dir: Path, paper, *args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "terminal",
            "--data-dir",
            str(data_dir),
            "--log-level",
            "WARNING",
            "--paper-url",
            paper.url,
            "--paper-account",
            f"{KEY}:{SECRET}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env,
        check=False,
    )


def far_bid(paper) -> str:
    return f"{float(paper.control.book('BTC/USDT', 1)['bids'][0][0]) * 0.95:.2f}"


def place(data_dir: Path, paper, client_id: str) -> subprocess.CompletedProcess:
    return cli(
        data_dir,
        paper,
        "order",
        "place",
        "--symbol",
        "BTC/USDT",
        "--side",
        "buy",
        "--type",
        "limit",
        "--amount",
        "0.001",
        "--price",
        far_bid(paper),
        "--client-id",
        client_id,
        "--confirm",
        "price_deviation",
    )


def venue_client_ids(paper) -> list[str]:
    return [o["clientOrderId"] for o in paper.control.open_orders(KEY)]


def test_a_damaged_journal_is_refused_by_every_command_and_never_written(paper, tmp_path):
    placed = place(tmp_path, paper, "before-damage")
    assert placed.returncode == 0, placed.stderr + placed.stdout
    journal = tmp_path / "data" / "journal.sqlite"
    damage_page(journal, 3)
    before = hashlib.sha256(journal.read_bytes()).hexdigest()

    refused = place(tmp_path, paper, "after-damage")
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in refused.stderr, refused.stderr
    assert f"the journal {journal} is damaged (SQLite quick_check: " in lines[0]
    assert "left untouched" in lines[0] and "move it aside" in lines[0]
    assert "after-damage" not in venue_client_ids(paper)  # nothing was sent

    shown = cli(tmp_path, paper, "journal", "show")
    assert shown.returncode == 1 and "is damaged" in shown.stderr
    assert "Traceback" not in shown.stderr

    check = cli(tmp_path, paper, "journal", "check")
    assert check.returncode == 1 and "Traceback" not in check.stderr
    assert check.stdout.strip()  # every problem SQLite found, one per line
    assert f"the journal {journal} is damaged (SQLite integrity_check: " in check.stderr
    assert hashlib.sha256(journal.read_bytes()).hexdigest() == before  # never written

    # What the message advises: move it aside, start again; the open order is adopted.
    os.replace(journal, journal.with_name("journal.sqlite.damaged"))
    for companion in ("-wal", "-shm"):
        journal.with_name("journal.sqlite" + companion).unlink(missing_ok=True)
    listed = cli(tmp_path, paper, "order", "list", "--open")
    assert listed.returncode == 0, listed.stderr
    assert "before-damage" in listed.stdout and "ext" in listed.stdout
    sound = cli(tmp_path, paper, "journal", "check")
    assert sound.returncode == 0 and sound.stdout.startswith(f"journal {journal}: ok")
    assert (
        cli(
            tmp_path,
            paper,
            "order",
            "cancel",
            "--symbol",
            "BTC/USDT",
            "--client-id",
            "before-damage",
        ).returncode
        == 0
    )


# Runs before the command in the same process (exec keeps both): SIGXFSZ ignored, so a
# write past RLIMIT_FSIZE fails with EFBIG as on a full disk instead of killing it, and
# optionally the file-size limit itself.
EXEC_WITH_LIMIT = (
    "import os, resource, signal, sys\n"
    "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
    "if sys.argv[1] != '-':\n"
    "    n = int(sys.argv[1]); resource.setrlimit(resource.RLIMIT_FSIZE, (n, n))\n"
    "os.execv(sys.executable, [sys.executable, *sys.argv[2:]])\n"
)


def _command(data_dir: Path, paper, *args: str, fsize: int | None = None) -> list[str]:
    return [
        sys.executable,
        "-c",
        EXEC_WITH_LIMIT,
        "-" if fsize is None else str(fsize),
        "-m",
        "terminal",
        "--data-dir",
        str(data_dir),
        "--log-level",
        "WARNING",
        "--paper-url",
        paper.url,
        "--paper-account",
        f"{KEY}:{SECRET}",
        *args,
    ]


def _start_cli(data_dir: Path, paper, *args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        _command(data_dir, paper, *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )


def _venue_orders_with(paper, client_id: str) -> list[dict]:
    import asyncio

    from tests.fixtures_paper import paper_rest

    async def main() -> list[dict]:
        async with paper_rest(paper, (KEY, SECRET)) as ex:
            await ex.load_markets()
            orders = await ex.fetch_orders("BTC/USDT", params={"limit": 1000})
            return [o for o in orders if o.get("clientOrderId") == client_id]

    return asyncio.run(main())


def test_disk_full_after_the_venue_accepted_reports_the_order_sent(paper, tmp_path):
    """The venue accepts the order, then the journal's disk takes no more writes (the
    process's file-size limit drops to 1 byte while the reply is on its way, so every
    further write fails with EFBIG). The command must say the order was sent and
    accepted, exit 0 (a retry would double it), print no traceback; the venue holds
    exactly one order; the next start reconciles the journal from the venue."""
    import resource
    import time

    warm = cli(tmp_path, paper, "order", "list")  # the journal exists and is migrated
    assert warm.returncode == 0, warm.stderr
    paper.control.order_unknown("slow", 1, 5.0)  # executed at once, replied 5 s later
    price = far_bid(paper)
    proc = _start_cli(
        tmp_path,
        paper,
        "order",
        "place",
        "--symbol",
        "BTC/USDT",
        "--side",
        "buy",
        "--type",
        "limit",
        "--amount",
        "0.001",
        "--price",
        price,
        "--client-id",
        "disk-full-1",
        "--confirm",
        "price_deviation",
    )
    try:
        deadline = time.monotonic() + 60
        while "disk-full-1" not in venue_client_ids(paper):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.05)
        # The venue has the order (so its intent is in the journal): the disk is full now.
        resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (1, 1))
        out, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        paper.control.clear_faults()
    assert "Traceback" not in err and "Logging error" not in err, err
    assert proc.returncode == 0, out + err
    assert "sent and accepted as disk-full-1; the journal could not record it: disk full" in err, (
        err
    )
    assert "Do not send it again" in err
    assert "state: open" in out
    placed = _venue_orders_with(paper, "disk-full-1")
    assert len(placed) == 1 and placed[0]["status"] == "open"  # exactly one, not doubled

    # The next start (room again): reconciliation brings the journal in line.
    listed = cli(tmp_path, paper, "order", "list", "--open")
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if line.startswith("disk-full-1"))
    assert " open " in row
    events = cli(tmp_path, paper, "journal", "show", "--events", "disk-full-1")
    kinds = [line.split()[2] for line in events.stdout.splitlines()[1:]]
    assert kinds[0] == "Intent" and "OrderAccepted" in kinds
    assert (
        cli(
            tmp_path, paper, "order", "cancel", "--symbol", "BTC/USDT", "--client-id", "disk-full-1"
        ).returncode
        == 0
    )


INTENT_SCRIPT = r"""
import asyncio, resource, signal, sys
from decimal import Decimal
from terminal.core.orders.errors import NotSent
from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import ClientOrderId, Symbol, VenueId
from terminal.domain.order import OrderRequest
from terminal.services import ServicesOptions, TerminalServices

async def main():
    opts = ServicesOptions(data_dir=sys.argv[1], paper_url=sys.argv[2],
                           paper_account=sys.argv[3], session_heartbeat_s=0)
    async with TerminalServices(opts) as services:
        await services.connect("paper")
        await services.refresh_market_inputs("paper", "BTC/USDT")
        request = OrderRequest(VenueId("paper"), Symbol("BTC/USDT"), Side.BUY,
                               OrderType.LIMIT, Decimal("0.001"), Decimal(sys.argv[4]))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1, 1))  # the disk is full from here
        try:
            await services.orders.submit(request, client_order_id=ClientOrderId(
                "intent-full-1"), confirmed=frozenset({"price_deviation"}))
        except NotSent as exc:
            print(f"NOT SENT: {exc}", flush=True)
        else:
            print("SENT", flush=True)

asyncio.run(main())
"""


def test_disk_full_before_the_intent_sends_nothing(paper, tmp_path):
    """The journal cannot record the intent: the order is not sent, and the caller is
    told so (the real services, journal file and paper exchange in a child process)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    warm = cli(tmp_path, paper, "order", "list")
    assert warm.returncode == 0, warm.stderr
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            INTENT_SCRIPT,
            str(tmp_path),
            paper.url,
            f"{KEY}:{SECRET}",
            far_bid(paper),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stdout + done.stderr
    assert (
        "NOT SENT: nothing was sent: the journal could not record the order: disk full"
        in done.stdout
    ), done.stdout
    assert _venue_orders_with(paper, "intent-full-1") == []
    listed = cli(tmp_path, paper, "order", "list")  # and the journal has no trace of it
    assert listed.returncode == 0 and "intent-full-1" not in listed.stdout


def test_a_command_started_on_a_full_disk_says_so_in_one_line(paper, tmp_path):
    warm = cli(tmp_path, paper, "order", "list")
    assert warm.returncode == 0, warm.stderr
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        _command(
            tmp_path,
            paper,
            "order",
            "place",
            "--symbol",
            "BTC/USDT",
            "--side",
            "buy",
            "--type",
            "limit",
            "--amount",
            "0.001",
            "--price",
            far_bid(paper),
            "--client-id",
            "full-at-start",
            fsize=1,
        ),
        capture_output=True,
        text=True,
        timeout=90,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and "disk full" in errors[0], done.stderr
    assert _venue_orders_with(paper, "full-at-start") == []


@pytest.fixture(autouse=True)
def _file_size_limit_restored():
    """Whatever a test of this module does to this process's file-size limit, the next
    test (and pytest's own output) gets the limit it had before."""
    import resource
    import signal

    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.getsignal(signal.SIGXFSZ)
    yield
    resource.setrlimit(resource.RLIMIT_FSIZE, limits)
    signal.signal(signal.SIGXFSZ, handler)


class DiskFillsAfter:
    """Wraps a REAL session call: once the venue has answered, this process's file-size
    limit drops to 1 byte (every further journal write fails with EFBIG, as on a full
    disk) until `restore`."""

    def __init__(self, session, name: str) -> None:
        import resource
        import signal

        self.session, self.name = session, name
        self.real = getattr(session, name)
        self.limits = resource.getrlimit(resource.RLIMIT_FSIZE)
        self.handler = signal.getsignal(signal.SIGXFSZ)

        self.active = True

        async def call(*args, **kwargs):
            result = await self.real(*args, **kwargs)
            # a call that was already under way when `restore` ran (a second cancel from
            # another task) must not fill the disk again after the test moved on
            if self.active:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (1, self.limits[1]))
            return result

        setattr(session, name, call)

    def restore(self) -> None:
        import resource
        import signal

        self.active = False
        resource.setrlimit(resource.RLIMIT_FSIZE, self.limits)
        signal.signal(signal.SIGXFSZ, self.handler)
        setattr(self.session, self.name, self.real)


def test_disk_full_after_a_cancel_or_amend_was_sent_reports_it_sent(paper, tmp_path):
    """The same for the other requests that change an order: a cancel or an amend the
    venue carried out is reported as done-but-not-journaled (SentNotJournaled), never
    as failed, and the next start reconciles the journal."""
    import asyncio
    from decimal import Decimal

    from terminal.core.orders.errors import SentNotJournaled
    from terminal.domain.enums import OrderType, Side
    from terminal.domain.ids import Symbol, VenueId
    from terminal.domain.order import OrderRequest, OrderStatus
    from terminal.services import ServicesOptions, TerminalServices

    opts = ServicesOptions(
        data_dir=str(tmp_path),
        paper_url=paper.url,
        paper_account=f"{KEY}:{SECRET}",
        session_heartbeat_s=0,
    )
    price = Decimal(far_bid(paper))

    async def main() -> tuple[str, str, str]:
        async with TerminalServices(opts) as services:
            session = await services.connect("paper")
            await services.refresh_market_inputs("paper", "BTC/USDT")
            first = await services.orders.submit(
                OrderRequest(
                    VenueId("paper"),
                    Symbol("BTC/USDT"),
                    Side.BUY,
                    OrderType.LIMIT,
                    Decimal("0.001"),
                    price,
                ),
                confirmed=frozenset({"price_deviation"}),
            )
            assert first.status is OrderStatus.OPEN
            fill = DiskFillsAfter(session, "edit_order")
            try:
                with pytest.raises(SentNotJournaled) as amended:
                    await services.orders.amend(
                        first.client_order_id,
                        Decimal("0.001"),
                        price + Decimal(2),
                        confirmed=frozenset({"price_deviation"}),
                    )
            finally:
                fill.restore()
            replacement = amended.value.order
            assert str(amended.value).startswith(
                f"sent and accepted as {replacement.client_order_id}; the journal could "
                "not record it: disk full"
            )
            fill = DiskFillsAfter(session, "cancel_order")
            try:
                with pytest.raises(SentNotJournaled) as canceled:
                    await services.orders.cancel(replacement.client_order_id)
            finally:
                fill.restore()
            assert str(canceled.value).startswith(
                f"cancel of {replacement.client_order_id} sent to paper; the journal could "
                "not record it: disk full"
            )
            assert canceled.value.order.status is OrderStatus.CANCELED
            return first.client_order_id, replacement.client_order_id, str(canceled.value)

    first_id, new_id, _ = asyncio.run(main())
    assert paper.control.open_orders(KEY) == [] or all(
        o["clientOrderId"] not in (first_id, new_id) for o in paper.control.open_orders(KEY)
    )
    listed = cli(tmp_path, paper, "journal", "show")
    rows = {line.split()[0]: line.split()[1] for line in listed.stdout.splitlines()[2:]}
    assert rows[new_id] != "canceled"  # the journal missed it while the disk was full
    cli(tmp_path, paper, "reconcile")  # the next start: settled from the venue
    listed = cli(tmp_path, paper, "journal", "show")
    rows = {line.split()[0]: line.split()[1] for line in listed.stdout.splitlines()[2:]}
    assert rows[first_id] == "canceled" and rows[new_id] == "canceled", listed.stdout
