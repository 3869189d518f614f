"""Views of the scoring app, one module per page family: the table and its criteria, its
spreadsheet, the sheets, the evidence, the review, and their printed documents."""
