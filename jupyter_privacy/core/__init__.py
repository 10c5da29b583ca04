"""Pure-Python core of jupyter-privacy: ledger, accounting, queries, training, probes, reports.

Never imports IPython, ipywidgets, tornado or jupyter_server (tests/core/test_layers.py proves it).
"""
