"""The exit codes of `trading-terminal stop` (its own command and the request it leaves
for a running terminal both end with them)."""

EXIT_OK, EXIT_INCOMPLETE, EXIT_USAGE, EXIT_SERVICES = 0, 1, 2, 3
