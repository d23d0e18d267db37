"""The package as mmdata understands it, opened once (#21): `package.open_package` reads the descriptor and each
Table Schema once into a Package of typed resources (schema.py), the facts rules rest on (rulefacts.py), typed
tables (typed.py, load.py). Built on io/; nothing outside this layer reads a Table Schema's JSON.
"""
