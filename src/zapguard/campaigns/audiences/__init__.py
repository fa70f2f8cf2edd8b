"""Audiences: contact lists read from the spreadsheets businesses already have (CSV as Brazilian
Excel exports it, XLSX), normalized to canonical contacts, deduplicated and judged against the
consent evidence, every row kept with the reason it is excluded, if any.

Modules: :mod:`.headers` (which column is which), :mod:`.readers` (streaming CSV and XLSX),
:mod:`.cells` (consent values and dates as spreadsheets write them), :mod:`.contacts` (phones to
canonical contacts, fast), :mod:`.consent` (usable, no consent or opted out), :mod:`.importer` (the
streaming import) and :mod:`.service` (what the command line and the API call).
"""
