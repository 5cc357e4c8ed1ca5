"""Links apps add to the portal's header (beside "Two-factor"): a registry, so the core imports no app.

register_header_link(func)   # func(request) -> safe HTML or ""
"""

_LINKS = []


def register_header_link(func) -> None:
    if func not in _LINKS:
        _LINKS.append(func)


def header_links(request) -> list:
    return [html for html in (func(request) for func in _LINKS) if html]
