"""The validator: its five layers (files, cells, keys, cross-field rules, provenance) and how problems are printed.
Built on model/ and io/; never imports edit/ or publish/.
"""
