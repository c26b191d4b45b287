"""The terminal's behaviour without any I/O library. Imports only terminal.domain."""
