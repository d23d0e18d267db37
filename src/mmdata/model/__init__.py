"""The package as mmdata understands it: descriptor, resources, Table Schemas, the facts rules rest on, typed
tables. Built on io/.
"""
