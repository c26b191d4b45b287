"""Paper exchange: a Binance-Spot-compatible venue on loopback with a simulated market.

It is "the other side" of the terminal: the embedded default venue, a practice venue and
the real counterparty of integration tests, spoken to by the unmodified ccxt client. It
deliberately imports nothing from the rest of ``terminal`` so it can run alone
(``python -m terminal.paper``) or in a child process (:mod:`terminal.paper.embedded`).

Public entry points (import the module you need; this package imports nothing eagerly):
- :func:`terminal.paper.embedded.start_paper_exchange` / ``start_paper_exchange_async``
- :mod:`terminal.paper.ccxt_compat` (``point_ccxt_at``, ``paper_ccxt_config``)
- :class:`terminal.paper.control_client.PaperControl` (the /_paper control API)
- :func:`terminal.paper.cli.main` (the command line)
"""
