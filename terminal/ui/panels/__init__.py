"""Dockable panels of the main window: order entry, balances, open orders, history,
health, watchlist, logs, notifications and the connect dialog.

They are views: they take domain values through `set_*` methods and report user
actions as Qt signals; none of them talks to the network or the journal. Import the
module you need (e.g. `terminal.ui.panels.order_entry`); this file stays empty.
"""
