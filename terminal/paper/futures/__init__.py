"""USDⓈ-M perpetual futures on the paper exchange (Binance's /fapi as ccxt uses it)."""
