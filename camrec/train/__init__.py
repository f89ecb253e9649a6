"""Training and export (``camrec train``). Needs the ``train`` extra."""
