"""The public portal: the Pelican plugin that turns the registry into pages, and the build."""
