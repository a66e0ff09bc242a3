"""The Open Data Census: places x key datasets x weighted questions, reviewed and scored."""
