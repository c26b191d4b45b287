"""Venue payload excerpts for the journal, with credentials removed.

Two layers: keys that name a credential are dropped from the structure, and the final
text goes through the log redactor (known secret values + key/value patterns), so an
API key echoed inside some message string is masked too. Long payloads are cut: the
journal keeps an excerpt for diagnosis, not an archive of the venue's replies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from terminal.journal.codec import jsonable
from terminal.logsetup import redact as redact_text

MAX_PAYLOAD_CHARS = 4000
_SECRET_KEY = re.compile(
    r"api[-_]?key|secret|password|passwd|passphrase|signature|token|authorization"
    r"|private[-_]?key|listen[-_]?key|^sign$",
    re.IGNORECASE,
)


def _strip(value: Any, depth: int = 0) -> Any:
    if depth > 8:
        return "..."
    if isinstance(value, Mapping):
        return {k: _strip(v, depth + 1) for k, v in value.items() if not _SECRET_KEY.search(str(k))}
    if isinstance(value, list):
        return [_strip(v, depth + 1) for v in value[:50]]
    return value


def payload_excerpt(payload: Mapping[str, Any] | None) -> str | None:
    if payload is None:
        return None
    text = json.dumps(_strip(jsonable(payload)), sort_keys=True, separators=(",", ":"))
    text = redact_text(text)
    if len(text) > MAX_PAYLOAD_CHARS:
        text = text[:MAX_PAYLOAD_CHARS] + "...(cut)"
    return text
