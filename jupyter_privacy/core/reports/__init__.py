"""Reports built from the ledger and the kit's results (text tables, cards, checklists)."""
