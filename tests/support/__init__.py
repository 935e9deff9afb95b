"""Helpers the tests share: loopback site farms, the mail catcher, sample registries, the browser.

Import them one way: ``from tests.support.farm import Site, page``.
"""
