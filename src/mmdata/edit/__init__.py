"""Commands that change a package in place: fmt, docs and generated texts, add-source, add-row, quote, merge
driver, diff.
"""
