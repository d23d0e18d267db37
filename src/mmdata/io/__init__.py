"""Reading and writing bytes: files of a package, JSON, CSV, snapshots (folder, archive, git revision), checksums,
locks and the write journal. Imports nothing of mmdata but errors.py and terminal.py.
"""
