"""The office console: submissions, people and links, deadlines and reminders, monthly reports,
notices, re-checks and publishing. Blueprints with their templates beside them; the plumbing they
share with the alliances' form lives one level up in ``intake/``."""
