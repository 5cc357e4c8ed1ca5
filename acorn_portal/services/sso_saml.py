"""Single sign-on per organization with SAML 2.0, on django-allauth's `saml` provider (python3-saml).

The organization's identity provider is one allauth `SocialApp` (provider "saml", provider id
`saml-<slug>`, client id `<slug>`, which names allauth's URLs `/accounts/saml/<slug>/acs/` and
`.../metadata/`). allauth and python3-saml do the protocol: the AuthnRequest, the signature on the
Response or Assertion (one of them must be signed by the stored certificate), Issuer, Audience,
Destination, time window, and InResponseTo against the sign-in this browser started.

An IdP metadata URL is read once, when the admin saves, and its entity ID, SSO URL and certificate
are stored: sign-in then never fetches a URL an admin typed, and a changed certificate is a
deliberate step (save again), not something an answer from that URL can swap in.
Membership, the newcomers' role and `require_sso` are shared with OpenID Connect (services.sso).
"""

import base64
import binascii

from cryptography import x509
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from acorn_portal.outbound import OutboundRefused, OutboundSession, check_url

PROVIDER = "saml"
# allauth's own defaults, so an empty field in the form still finds the usual attribute names.
DEFAULT_EMAIL_ATTRIBUTES = [
    "urn:oid:0.9.2342.19200300.100.1.3",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    "email",
]
DEFAULT_FIRST_NAME_ATTRIBUTES = ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", "urn:oid:2.5.4.42"]
DEFAULT_LAST_NAME_ATTRIBUTES = ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", "urn:oid:2.5.4.4"]


def provider_id_for(organization) -> str:
    return f"saml-{organization.slug}"


def parse_certificate(text: str) -> x509.Certificate:
    """The IdP's signing certificate from PEM or bare base64; ValidationError with a sentence otherwise."""
    text = (text or "").strip()
    if "PRIVATE KEY" in text:
        raise ValidationError(
            _("This is a private key. Paste the identity provider's certificate instead, and keep the key secret.")
        )
    body = "".join(line.strip() for line in text.splitlines() if line.strip() and "-----" not in line)
    if not body:
        raise ValidationError(_("Paste the identity provider's signing certificate (-----BEGIN CERTIFICATE----- …)."))
    try:
        return x509.load_der_x509_certificate(base64.b64decode(body, validate=True))
    except (binascii.Error, ValueError):
        raise ValidationError(
            _(
                "This is not an X.509 certificate: paste the identity provider's signing certificate "
                "in PEM form (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)."
            )
        ) from None


def certificate_body(certificate: x509.Certificate) -> str:
    """Base64 of the DER, one line: the form python3-saml accepts for `x509cert`."""
    from cryptography.hazmat.primitives.serialization import Encoding

    return base64.b64encode(certificate.public_bytes(Encoding.DER)).decode()


def read_idp_metadata(metadata_url: str, entity_id: str = "") -> dict:
    """Entity ID, SSO URL (HTTP-Redirect binding) and signing certificate from the IdP's metadata."""
    import requests
    from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

    try:
        with OutboundSession(timeout=(5.0, 10.0)) as session:
            response = session.get(metadata_url)
        response.raise_for_status()
        found = OneLogin_Saml2_IdPMetadataParser.parse(response.content, entity_id=entity_id or None).get("idp")
    except (OutboundRefused, requests.RequestException) as exc:
        raise ValidationError({"saml_metadata_url": _("The metadata URL did not answer: %s") % exc}) from None
    except Exception:  # python3-saml raises bare Exceptions and lxml errors for XML that is not metadata
        found = None
    if not found or not found.get("entityId"):
        raise ValidationError(
            {"saml_metadata_url": _("%s does not serve SAML identity provider metadata.") % metadata_url}
        )
    sso_url = found.get("singleSignOnService", {}).get("url")
    certificate = found.get("x509cert") or next(iter(found.get("x509certMulti", {}).get("signing", [])), "")
    if not sso_url or not certificate:
        raise ValidationError(
            {
                "saml_metadata_url": _(
                    "The metadata at %s names no sign-in URL with the HTTP-Redirect binding or no signing certificate."
                )
                % metadata_url
            }
        )
    return {"entity_id": found["entityId"], "sso_url": sso_url, "x509cert": certificate}


def attribute_mapping(*, email: str = "", first_name: str = "", last_name: str = "") -> dict:
    """allauth's attribute mapping: the admin's attribute names, else the usual ones."""
    return {
        "uid": ["urn:oasis:names:tc:SAML:attribute:subject-id"],  # else the NameID, as allauth does
        "email": [email.strip()] if email.strip() else DEFAULT_EMAIL_ATTRIBUTES,
        "first_name": [first_name.strip()] if first_name.strip() else DEFAULT_FIRST_NAME_ATTRIBUTES,
        "last_name": [last_name.strip()] if last_name.strip() else DEFAULT_LAST_NAME_ATTRIBUTES,
    }


def app_settings(
    *, entity_id: str, sso_url: str, x509cert: str, metadata_url: str = "", email_attribute: str = "", **names
) -> dict:
    """Validated `SocialApp.settings` for allauth's saml provider; ValidationError keyed by form field."""
    metadata_url = (metadata_url or "").strip()
    if metadata_url:
        read = read_idp_metadata(metadata_url, entity_id.strip())
        entity_id, sso_url, x509cert = read["entity_id"], read["sso_url"], read["x509cert"]
    errors = {}
    entity_id, sso_url = (entity_id or "").strip(), (sso_url or "").strip()
    if not entity_id:
        errors["saml_entity_id"] = _("Give the identity provider's entity ID (or its metadata URL).")
    try:
        check_url(sso_url)
    except OutboundRefused as exc:
        errors["saml_sso_url"] = str(exc)
    try:
        certificate = certificate_body(parse_certificate(x509cert))
    except ValidationError as exc:
        errors["saml_certificate"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return {
        "idp": {"entity_id": entity_id, "sso_url": sso_url, "x509cert": certificate},
        "attribute_mapping": attribute_mapping(email=email_attribute, **names),
        # The NameID counts as the e-mail only in the emailAddress format (allauth's rule), never an opaque id.
        "use_nameid_for_email": False,
        # Single-label hosts: self-hosted installs live at http://acorn:8000/ and IdPs at http://sso/.
        "advanced": {
            "strict": True,
            "reject_idp_initiated_sso": True,
            "reject_deprecated_algorithm": True,
            "allow_single_label_domains": True,
        },
        "acorn": {
            "metadata_url": metadata_url,
            "email_attribute": email_attribute.strip(),
            **{f"{key}_attribute": value.strip() for key, value in names.items()},
        },
    }


def certificate_sentence(x509cert: str, now) -> tuple[bool, str]:
    """What the settings page says about the stored certificate (an expired one still verifies in python3-saml)."""
    certificate = parse_certificate(x509cert)
    until = certificate.not_valid_after_utc
    if until < now:
        return False, _("The identity provider's certificate expired on %s: ask it for its current one.") % until.date()
    return True, _("The identity provider's certificate is valid until %s.") % until.date()
