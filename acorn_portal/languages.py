"""Which language a person reads ACORN in.

Their own choice (the header's switcher, kept on their Person row), then a choice made before signing
in (the switcher's cookie), then the browser's Accept-Language, then their organization's default.
Alerts have no browser: the recipient's choice, then the organization's default.
What goes to Amazon is English whatever this says (refunds.services.packets).
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

SUPPORTED = tuple(code for code, _name in settings.LANGUAGES)


def supported(code: str | None) -> str | None:
    """Our language for a code such as `zh-CN`, `zh-Hans` or `en-GB`, or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code.lower())
    except LookupError:
        return None


def from_accept_language(header: str) -> str | None:
    for code, _quality in parse_accept_lang_header(header or ""):
        if code == "*":
            break
        if found := supported(code):
            return found
    return None


def _person(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    from acorn_portal.models_people import Person

    try:
        return user.person
    except Person.DoesNotExist:
        return None


def organization_of(user):
    """The organization whose default applies: the one the person works in now, else their first."""
    person = _person(user)
    if person is not None and person.current_organization_id:
        return person.current_organization
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    membership = user.memberships.select_related("organization").order_by("created_at").first()
    return membership.organization if membership else None


def language_for_user(user, organization=None) -> str:
    """The language to write to this person in when they are not here to say (alerts, e-mails)."""
    person = _person(user)
    if person is not None and supported(person.language):
        return supported(person.language)
    organization = organization or organization_of(user)
    if organization is not None and supported(organization.default_language):
        return supported(organization.default_language)
    return settings.LANGUAGE_CODE


def language_for_request(request) -> str:
    person = _person(getattr(request, "user", None))
    if person is not None and supported(person.language):
        return supported(person.language)
    if found := supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)):
        return found
    if found := from_accept_language(request.headers.get("Accept-Language", "")):
        return found
    organization = organization_of(getattr(request, "user", None))
    if organization is not None and supported(organization.default_language):
        return supported(organization.default_language)
    return settings.LANGUAGE_CODE


def choose(request, code: str) -> str:
    """The switcher: remember the choice on the person (empty: follow the browser again)."""
    code = supported(code) or ""
    person = _person(request.user)
    if person is None and request.user.is_authenticated:
        from acorn_portal.models_people import Person

        person, _created = Person.objects.get_or_create(user=request.user)
    if person is not None and person.language != code:
        person.language = code
        person.save(update_fields=["language"])
    return code
