"""The alliances' form: a PI or assistant, signed in with a personal link, edits the profile,
uploads the banner and (the PI only) manages assistants. Blueprints with their templates beside
them; the plumbing they share with the office console lives one level up in ``intake/``."""
