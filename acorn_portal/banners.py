"""Notices apps show at the top of the start page and the case list (e.g. "First sync in progress"):
a registry, so the core imports no app.

register_banner(func)   # func(request) -> safe HTML or ""
"""

_BANNERS = []


def register_banner(func) -> None:
    if func not in _BANNERS:
        _BANNERS.append(func)


def banners(request) -> list:
    return [html for html in (func(request) for func in _BANNERS) if html]
