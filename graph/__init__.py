"""migration-kg build pipeline: parse -> recognise -> link -> quantities -> emit -> validate -> store."""
