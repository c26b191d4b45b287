"""The order service's tunables: defined in terminal.domain.order_policy, outside this
package, so the settings module can start from them without importing the order path."""

from terminal.domain.order_policy import OrderPolicy

__all__ = ["OrderPolicy"]
