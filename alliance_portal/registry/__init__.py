"""The shared registry: profiles, banners, their history, atomic writes, locks, the audit log.

Imports none of the flows (portal, intake, monitor); they all import it."""
