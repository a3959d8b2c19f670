"""Scanning many repositories at once (`leakwindow scan-many`): sources, mirrors, the Dask
tasks that scan them, and the output directory that collects their reports.

Only the command line imports this stage, and only for `scan-many`: Dask is imported inside
the functions that need it, so no other command pays for it.
"""
