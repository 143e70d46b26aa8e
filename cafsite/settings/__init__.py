"""Settings modules: `base` is what the application runs with, `test` adds test-only overrides."""
