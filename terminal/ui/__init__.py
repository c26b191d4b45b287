"""The Qt layer: the only package (with terminal.app) that imports PySide6, pyqtgraph
or qasync. Import its modules explicitly (e.g. `terminal.ui.main_window`); this
package file stays empty so importing `terminal.ui` costs nothing."""
