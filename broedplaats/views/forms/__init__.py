"""Forms of the pages, one module per audience or topic, beside the views they serve."""
