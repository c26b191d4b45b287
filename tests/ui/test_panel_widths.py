"""At the default window size every column of the Balances and Watchlist tables is in
view without scrolling, in both themes, once the panels show the paper account and the
tickers. Whole main window against the paper exchange, offscreen."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from terminal.ui.main_window import DEFAULT_SIZE
from terminal.ui.panels._table import DataTable
from terminal.ui.theme import ThemeManager


def column_report(table: DataTable) -> list[tuple[str, int, int, int]]:
    """(header, right edge, text width needed, section width) per column."""
    model, header = table.model(), table.horizontalHeader()
    out = []
    for c in range(model.columnCount()):
        need = max(table.sizeHintForColumn(c), header.sectionSizeHint(c))
        out.append(
            (
                str(model.headerData(c, header.orientation())),
                header.sectionViewportPosition(c) + header.sectionSize(c),
                need,
                header.sectionSize(c),
            )
        )
    return out


def problems(table: DataTable) -> list[str]:
    found = []
    if table.horizontalScrollBar().isVisible():
        found.append(f"horizontal scrollbar (max {table.horizontalScrollBar().maximum()})")
    width = table.viewport().width()
    for name, right, need, size in column_report(table):
        if right > width:
            found.append(f"{name!r} ends at {right} > viewport {width}")
        if size < need:
            found.append(f"{name!r} is {size} px, its text needs {need}")
    return found


@pytest.fixture(scope="module")
def paper(paper_for_ui):  # type: ignore[no-untyped-def]
    return paper_for_ui


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_balances_and_watchlist_show_every_column_at_the_default_size(
    make_main_window, paper, qapp, theme
) -> None:  # type: ignore[no-untyped-def]
    sheet, palette = qapp.styleSheet(), qapp.palette()
    try:
        ThemeManager(qapp).apply(theme)  # before the window, as the app does
        run = make_main_window(paper)
        w, drv = run.window, run.driver
        assert (w.width(), w.height()) == (DEFAULT_SIZE.width(), DEFAULT_SIZE.height())
        balances, watchlist = w.panels["balances"], w.panels["watchlist"]

        def filled() -> bool:
            bal_rows = balances.model.rows
            watch_rows = watchlist.model.rows
            return (
                len(bal_rows) >= 4
                and all(r.cells[4] != "—" for r in bal_rows)
                and len(watch_rows) >= 4
                and all(r.cells[3] != "—" for r in watch_rows)
            )

        drv.until(filled, 20, "balances valued and tickers with volume")
        drv.sleep(0.3)  # a few frames: columns fitted, docks at their default sizes
        QApplication.processEvents()
        for name, panel in (("balances", balances), ("watchlist", watchlist)):
            found = problems(panel.table)
            assert not found, (
                f"{theme} {name}: {found}; {column_report(panel.table)}, "
                f"docks {[(n, d.width()) for n, d in w.docks.items()]}"
            )
        run.close()
    finally:
        qapp.setStyleSheet(sheet)
        qapp.setPalette(palette)


def test_on_a_laptop_screen_the_compact_default_shows_every_column_too(
    qapp, aloop, paper, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """1366x768: the app opens a 1297x706 window (95 % of the screen), where the default
    layout puts the watchlist as a tab in the book's column."""
    from terminal.paths import AppPaths
    from terminal.services import ServicesOptions
    from terminal.settings import load_settings
    from terminal.ui.controller import TerminalController
    from terminal.ui.main_window import MainWindow

    sheet, palette = qapp.styleSheet(), qapp.palette()
    ThemeManager(qapp).apply("dark")
    paths = AppPaths.from_override(tmp_path / "data")
    key, secret = paper.accounts[0]
    options = ServicesOptions(
        data_dir=str(tmp_path / "data"), paper_url=paper.url, paper_account=f"{key}:{secret}"
    )
    w = MainWindow(config_dir=paths.config, docks=False)  # as the app builds it
    w.resize(1297, 706)
    controller = TerminalController(
        w, paths, load_settings(paths.config), None, services_options=options
    )
    try:
        w.show()
        w.build_docks()
        controller.start()
        aloop.until(lambda: controller.ready or controller.error, 45, "the window to connect")
        assert controller.error is None, controller.error
        aloop.until(lambda: w.panels.get("chart") is not None, 20, "the late panels")
        assert w.compact and w.width() == 1297
        balances, watchlist = w.panels["balances"], w.panels["watchlist"]
        aloop.until(
            lambda: (
                len(balances.model.rows) >= 4
                and len(watchlist.model.rows) >= 4
                and all(r.cells[3] != "—" for r in watchlist.model.rows)
            ),
            20,
            "the data",
        )
        w.docks["watchlist"].raise_()  # its tab, beside the trades
        aloop.sleep(0.3)
        for name, panel in (("balances", balances), ("watchlist", watchlist)):
            assert panel.table.isVisible()
            found = problems(panel.table)
            assert not found, (
                f"{name}: {found}; {column_report(panel.table)}, "
                f"docks {[(n, d.width()) for n, d in w.docks.items()]}"
            )
    finally:
        w.close()
        aloop.run(controller.aclose(3.0), timeout=10)
        w.deleteLater()
        qapp.setStyleSheet(sheet)
        qapp.setPalette(palette)
