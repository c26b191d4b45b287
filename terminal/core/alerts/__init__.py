"""Price alerts: what an alert is, its change window, and the engine that evaluates
alerts on market-state updates (never on the paint path)."""
