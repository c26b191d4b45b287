"""Fast market-data widgets: order book ladder, depth chart, candle chart, trades tape.

Each widget takes domain values, stores only the latest state, and repaints when the
shared `terminal.ui.frame.FrameClock` ticks and the state's version moved. Import the
modules explicitly (`terminal.ui.widgets.chart`); this file imports nothing.
"""
