"""The exchange layer: ccxt adapters behind the core's ports.

Modules (import what you need; nothing is imported here, so `import terminal.exchange`
stays cheap and ccxt loads only when a module that needs it is imported):

* catalogue  - VenueInfo / VenueCatalogue: the ten exchanges + paper, facts read from ccxt
* session    - VenueSession: one venue+mode+account, implements core.ports.ExchangePort
* clients    - the ccxt client of a session: testnet/demo switched on, paper on loopback
* demo_guard - header-based demos (OKX, Bitget): no private request without the header
* testnet_guard - other testnets and demos: no request to a live host
* errors     - classify(): ccxt exception class -> core.errors kinds, secrets scrubbed
* mapping    - ccxt dicts -> domain reports, fills, balances, candles, trades, tickers
* feeds      - FeedHub: shared feed loops, watchdog, reconnect, private-stream listeners
* wsclients  - finding/closing the ccxt.pro socket behind a feed
* manager    - ExchangeManager: connect/disconnect, MarketState, health, close at exit
* bench      - `python -m terminal.exchange.bench [--live]`
"""
