"""The candle chart's toolbar: timeframe buttons, indicator toggles and Follow, folded
into menu buttons on a narrow chart (a mixin of `CandleChartWidget`)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from terminal.domain.marketdata import TIMEFRAMES_MS

from .chart_host import ChartHost


class ChartToolbar(ChartHost):
    """Builds and folds the chart's toolbar; uses the widget's own attributes."""

    def _build_toolbar(self, timeframe: str) -> None:
        """Timeframe buttons, indicator toggles and Follow; on a narrow chart the buttons
        fold into menu buttons (`_fit_toolbar`), so the chart's minimum width is that of
        the folded row and a small screen still fits the book and the ticket beside it."""
        self.tf_buttons: dict[str, QToolButton] = {}
        self._tf_group = QButtonGroup(self)
        self._tf_group.setExclusive(True)
        self._tf_actions = QActionGroup(self)
        self._tf_actions.setExclusive(True)
        self.tf_menu = QMenu(self)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.setSpacing(2)
        self.tf_menu_button = QToolButton(self)
        self.tf_menu_button.setObjectName("timeframeMenuButton")
        self.tf_menu_button.setAccessibleName("Timeframe")
        self.tf_menu_button.setToolTip("Timeframe")
        self.tf_menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.tf_menu_button.setMenu(self.tf_menu)
        bar.addWidget(self.tf_menu_button)
        self.tf_actions: dict[str, QAction] = {}
        for tf in TIMEFRAMES_MS:
            b = QToolButton(self)
            b.setText(tf)
            b.setCheckable(True)
            b.setAccessibleName(f"Timeframe {tf}")
            b.setChecked(tf == timeframe)
            b.clicked.connect(lambda _=False, tf=tf: self._on_timeframe_clicked(tf))
            self._tf_group.addButton(b)
            self.tf_buttons[tf] = b
            bar.addWidget(b)
            action = QAction(tf, self.tf_menu)
            action.setCheckable(True)
            action.setChecked(tf == timeframe)
            action.triggered.connect(lambda _=False, tf=tf: self._on_timeframe_clicked(tf))
            self._tf_actions.addAction(action)
            self.tf_menu.addAction(action)
            self.tf_actions[tf] = action
        self.tf_menu_button.setText(f"{timeframe} ▾")
        self._gap = QWidget(self)
        self._gap.setFixedWidth(10)
        bar.addWidget(self._gap)
        self.indicator_buttons: dict[str, QToolButton] = {}
        self.indicator_actions: dict[str, QAction] = {}
        self.indicator_menu = QMenu(self)
        self.indicator_menu_button = QToolButton(self)
        self.indicator_menu_button.setObjectName("indicatorMenuButton")
        self.indicator_menu_button.setText("Indicators ▾")
        self.indicator_menu_button.setAccessibleName("Indicators")
        self.indicator_menu_button.setToolTip("Indicators")
        self.indicator_menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.indicator_menu_button.setMenu(self.indicator_menu)
        bar.addWidget(self.indicator_menu_button)
        for name, ind in self.indicators.items.items():
            b = QToolButton(self)
            b.setText(ind.label)
            b.setCheckable(True)
            b.setChecked(ind.visible)
            b.setAccessibleName(f"Show {ind.label}")
            b.toggled.connect(lambda on, name=name: self.set_indicator_visible(name, on))
            self.indicator_buttons[name] = b
            bar.addWidget(b)
            action = QAction(ind.label, self.indicator_menu)
            action.setCheckable(True)
            action.setChecked(ind.visible)
            action.toggled.connect(lambda on, name=name: self.set_indicator_visible(name, on))
            self.indicator_menu.addAction(action)
            self.indicator_actions[name] = action
        bar.addStretch(1)
        self.follow_button = QToolButton(self)
        self.follow_button.setText("Follow ⇥")
        self.follow_button.setToolTip("Follow the newest candle (End)")
        self.follow_button.setCheckable(True)
        self.follow_button.setChecked(True)
        self.follow_button.clicked.connect(lambda on: self.set_follow(on))
        bar.addWidget(self.follow_button)
        self._bar = bar
        self._toolbar_form = -1
        self._set_toolbar_form(0)
        self.readout = QLabel(self)
        self.readout.setObjectName("chart_readout")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addLayout(bar)
        box.addWidget(self.readout)
        self._box = box

    # ---- toolbar forms: 0 all buttons, 1 timeframe menu, 2 both menus -----------------
    def _toolbar_widgets(self, form: int) -> list[QWidget]:
        # the indicator toggles fold first: switching timeframes is the more frequent act
        tf: list[QWidget] = [self.tf_menu_button] if form >= 2 else list(self.tf_buttons.values())
        ind: list[QWidget] = (
            [self.indicator_menu_button] if form >= 1 else list(self.indicator_buttons.values())
        )
        return [*tf, self._gap, *ind, self.follow_button]

    def toolbar_width(self, form: int) -> int:
        """The toolbar row's width in `form` (0: every button, 1: the indicators in a
        menu, 2: the timeframes too): what the chart needs to show that form whole."""
        widgets = self._toolbar_widgets(form)
        m = self._bar.contentsMargins()
        # no spacing next to the stretch before Follow: one less than the widgets
        return (
            sum(max(w.sizeHint().width(), w.minimumWidth()) for w in widgets)
            + self._bar.spacing() * (len(widgets) - 1)
            + m.left()
            + m.right()
        )

    @property
    def toolbar_form(self) -> int:
        return self._toolbar_form

    def _set_toolbar_form(self, form: int) -> None:
        if form == self._toolbar_form:
            return
        self._toolbar_form = form
        shown = set(map(id, self._toolbar_widgets(form)))
        for w in (
            self.tf_menu_button,
            *self.tf_buttons.values(),
            self.indicator_menu_button,
            *self.indicator_buttons.values(),
        ):
            w.setVisible(id(w) in shown)
        self.updateGeometry()

    def _fit_toolbar(self) -> None:
        width = self.width()
        form = next((f for f in (0, 1) if self.toolbar_width(f) <= width), 2)
        self._set_toolbar_form(form)
