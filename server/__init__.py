"""migration-kg web service: SPARQL 1.1 endpoint, linked-data views and the browse UI."""
