"""Harvesting remote catalogs (CKAN's Action API, DCAT-US ``data.json``) into local datasets.

``models`` (sources and the record of what each one brought), ``sources`` (reading a remote
catalog into plain ``RemoteDataset`` values), ``service`` (one run: create, update,
withdraw) and ``tasks`` (the ``harvest.run`` job). See docs/harvest.md.
"""
