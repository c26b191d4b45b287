"""Perpetual futures in the core: ticket estimates, position actions, the positions state."""
