"""The secrets drill's scanner finds a key, a secret, a signature and a listen key in any
file under the data directory (so its 0 hits mean something)."""

from __future__ import annotations

from pathlib import Path

from terminal.drills.secrets_scan import scan


def test_scan_finds_each_kind_in_text_and_binary_files(tmp_path: Path) -> None:
    key, secret = b"drillkey0123456789", b"f" * 64
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "terminal.log").write_bytes(
        b"GET /api/v3/order?symbol=BTCUSDT&signature=" + b"a1" * 32 + b"\n"
    )
    (tmp_path / "journal.sqlite").write_bytes(b"\x00\x01" + secret + b"\x00")
    (tmp_path / "settings.json").write_text('{"k": "drillkey0123456789"}')
    (tmp_path / "export.csv").write_text("listenKey=abcdefABCDEF0123456789xyz\n")
    (tmp_path / "clean.txt").write_text("signature=short listenKey=\n")
    hits = scan(tmp_path, {"API key": key, "secret": secret})
    assert hits == {
        "API key": ["settings.json"],
        "secret": ["journal.sqlite"],
        "signature": ["logs/terminal.log"],
        "listen key": ["export.csv"],
    }
