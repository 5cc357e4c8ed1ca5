"""The portal's sidebar and app list, per role: the work first, documents in one section,
configuration only for those who configure; the back-office tables only for admins.

Django's admin lists every table a person may view (25+ for every role). People work from cases,
queues and their inbox, so for everyone but an organization's admins (and superusers) the list is
rebuilt from what apps place here. Hidden tables stay reachable where permissions allow (a case
links its purchase order's cartons); only the navigation changes.

    place("refunds.Chargeback", WORK, name=_("Cases"))
    place("refunds.Team", CONFIGURATION, roles={"manager"})
    register_work_link(func)   # func(request) -> [{"name": …, "url": …, "key": …}]

The core imports no app: apps place their models and links in their AppConfig.ready().
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from acorn_portal.roles import Role
from acorn_portal.tenancy import roles_for

WORK, DOCUMENTS, CONFIGURATION = "work", "documents", "configuration"
SECTIONS = {WORK: _("Work"), DOCUMENTS: _("Documents"), CONFIGURATION: _("Configuration")}


@dataclass(frozen=True)
class Placement:
    section: str
    roles: frozenset | None  # None: every role that may view the table
    name: object = None  # shown instead of the model's plural name


_PLACED: dict[str, Placement] = {}
_WORK_LINKS: list = []


def place(model_label: str, section: str, *, roles=None, name=None) -> None:
    """Put a model's list in a section of the navigation (for the given roles, or everyone who may view it)."""
    _PLACED[model_label.lower()] = Placement(section, frozenset(roles) if roles is not None else None, name)


def register_work_link(func) -> None:
    if func not in _WORK_LINKS:
        _WORK_LINKS.append(func)


def sees_everything(user) -> bool:
    """Superusers and an organization's admins see every table they may view (they configure the data)."""
    return user.is_superuser or Role.ADMIN in roles_for(user)


def _link(key: str, name, url: str) -> dict:
    return {"name": name, "object_name": key, "admin_url": url, "add_url": None, "view_only": True, "perms": {}}


def _work_section(request) -> dict | None:
    entries = [_link(item["key"], item["name"], item["url"]) for func in _WORK_LINKS for item in func(request)]
    return _section(WORK, entries)


def _section(key: str, entries: list) -> dict | None:
    if not entries:
        return None
    return {
        "name": SECTIONS[key],
        "app_label": f"nav-{key}",
        "app_url": entries[0]["admin_url"],
        "has_module_perms": True,
        "models": entries,
    }


def arrange(request, app_list: list) -> list:
    """The navigation a person sees, built from Django's app list (which already holds only what they may view)."""
    if not request.user.is_authenticated:
        return app_list
    work = _work_section(request)
    if sees_everything(request.user):
        return [work, *app_list] if work else app_list
    roles = roles_for(request.user)
    sections = {WORK: [], DOCUMENTS: [], CONFIGURATION: []}
    order = list(_PLACED)
    rows = []
    for app in app_list:
        for model in app["models"]:
            label = f"{app['app_label']}.{model['object_name']}".lower()
            placement = _PLACED.get(label)
            if placement is None or (placement.roles is not None and not placement.roles & roles):
                continue
            entry = {**model, "name": placement.name or model["name"]}
            rows.append((order.index(label), placement.section, entry))
    for _position, section, entry in sorted(rows, key=lambda row: row[0]):
        sections[section].append(entry)
    if work:
        sections[WORK] = work["models"] + sections[WORK]
    return [section for key, entries in sections.items() if (section := _section(key, entries))]
