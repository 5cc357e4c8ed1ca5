"""`{% onboarding_checklist %}` and `{% organization_switcher %}` for the start page and the dashboard."""

from django import template
from django.urls import NoReverseMatch, reverse

from acorn_portal.checklist import checklist
from acorn_portal.services import people
from acorn_portal.tenancy import organization_ids_for

register = template.Library()


@register.inclusion_tag("acorn_portal/people/_checklist.html", takes_context=True)
def onboarding_checklist(context, hide_when_done=False):
    request = context["request"]
    organization = people.current_organization(request)
    steps = checklist(organization, request.user) if organization else []
    done = sum(step.done for step in steps)
    show = bool(steps) and not (hide_when_done and done == len(steps))
    return {"steps": steps, "done": done, "total": len(steps), "show": show, "organization": organization}


@register.inclusion_tag("acorn_portal/people/_switcher.html", takes_context=True)
def organization_switcher(context, in_header=False):
    """The "Working in" picker: on the start page, and in every portal page's header for people in several."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"organizations": [], "current": None, "in_header": in_header}
    org_ids = getattr(user, "_acorn_all_org_ids", None) or organization_ids_for(user)
    # Most people belong to one organization: no query for a picker they would not see.
    several = org_ids is None or len(org_ids) > 1
    organizations = people.organizations_of(user) if several or not in_header else []
    return {
        "organizations": organizations,
        "current": people.current_organization(request) if organizations else None,
        "in_header": in_header,
        "next": landing_after_switch(request),
        "csrf_token": context.get("csrf_token"),
    }


def landing_after_switch(request) -> str:
    """Where the switch returns to: this page, or its list when it shows one object of the organization left."""
    match = request.resolver_match
    if match is None:
        return ""
    if match.namespace == "admin" and "object_id" in match.kwargs:
        prefix = match.url_name.rsplit("_", 1)[0]  # "refunds_chargeback_change" -> "refunds_chargeback"
        try:
            return reverse(f"admin:{prefix}_changelist")
        except NoReverseMatch:
            return reverse("admin:index")
    if match.kwargs:
        return ""  # another page about one object: the start page is the safe landing
    return request.get_full_path()


@register.simple_tag
def signup_is_open():
    from acorn_portal.services.signup import signup_open

    return signup_open()
