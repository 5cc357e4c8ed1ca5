"""`{% onboarding_checklist %}` and `{% organization_switcher %}` for the start page and the dashboard."""

from django import template

from acorn_portal.checklist import checklist
from acorn_portal.services import people

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
def organization_switcher(context):
    request = context["request"]
    user = request.user
    organizations = people.organizations_of(user) if user.is_authenticated else []
    current = people.current_organization(request)
    return {"organizations": organizations, "current": current, "csrf_token": context.get("csrf_token")}


@register.simple_tag
def signup_is_open():
    from acorn_portal.services.signup import signup_open

    return signup_open()
