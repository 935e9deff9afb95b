"""The office's compliance rules (docs/RULES.md): one module per check, the page reader and the date reader."""
