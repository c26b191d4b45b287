"""Pure values and rules of the terminal. Imports only the standard library.

Money is `Decimal` parsed from strings; floats are refused on every money path.
"""
