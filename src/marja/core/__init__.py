"""marja's pure-Python core: usable from a notebook or the CLI, never imports Django."""
