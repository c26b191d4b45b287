"""Wiring of the main window to the core: one module per concern.

`panels` builds the views into the docks, `market` drives the market-data views from
the market state, `trading` the ticket and order tables through the order service,
`safety` the testnet lock and the emergency stop, `venues` the venue selector, the
status bar and the connect dialog. `terminal.ui.controller` composes them.
"""
