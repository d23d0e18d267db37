"""What readers get: releases and their rebuild, exports (SQLite, Parquet, CSV, the findings view), the site and
its plot.
"""
