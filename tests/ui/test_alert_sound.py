"""The alert sound: the shipped WAV is a real, short sound; a player command gets that
file (a real process is started, without waiting for it); muted plays nothing."""

from __future__ import annotations

import sys
import time
import wave

from terminal.ui.alert_sound import AlertSound, alert_wav, find_player


def test_the_shipped_sound_is_a_short_wav() -> None:
    with wave.open(str(alert_wav())) as w:
        seconds = w.getnframes() / w.getframerate()
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
    assert 0.1 < seconds < 2.0


def test_a_player_process_gets_the_file_and_mute_plays_nothing(qapp, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "played.txt"
    script = (
        "import sys, wave; w = wave.open(sys.argv[-1]); "
        f"open({str(out)!r}, 'w').write(str(w.getnframes()))"
    )
    sound = AlertSound(True, command=[sys.executable, "-c", script])
    assert sound.play() is True
    deadline = time.monotonic() + 30
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    with wave.open(str(alert_wav())) as w:
        assert out.read_text() == str(w.getnframes())
    sound.set_enabled(False)
    assert sound.play() is False and len(sound.played) == 1


def test_a_backend_is_always_found() -> None:
    backend, command = find_player()
    assert backend in ("winsound", "afplay", "pw-play", "paplay", "aplay", "beep")
    assert bool(command) == (backend not in ("winsound", "beep"))
