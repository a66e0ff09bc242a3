"""Other catalogs' vocabularies: CKAN's Action API dictionaries, DCAT, data.json."""
