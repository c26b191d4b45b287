"""The order service's tunables: defined in terminal.core.order_policy, outside this
package, so the settings module can start from them without importing the order path."""

from terminal.core.order_policy import OrderPolicy

__all__ = ["OrderPolicy"]
