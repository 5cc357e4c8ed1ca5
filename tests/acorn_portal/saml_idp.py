"""A real SAML 2.0 identity provider on 127.0.0.1 for the single sign-on tests.

No pip-installable SAML IdP starts in a test, so this one is small and test-only: it reads the
AuthnRequest of the HTTP-Redirect binding, answers with a Response whose Assertion it signs with
xmlsec (through python3-saml's signing helper) using an RSA key and certificate made at start, and
hands the browser a page that POSTs the Response to the ACS URL the request named. ACORN's side
checks it with python3-saml like any IdP's answer.

Knobs for refusals: `answer_with(...)` changes the next answers (another signing key, another
audience or issuer, no signature at all).
"""

import base64
import contextlib
import datetime
import html
import re
import threading
import uuid
from dataclasses import dataclass, field

import werkzeug.serving
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from onelogin.saml2.utils import OneLogin_Saml2_Utils
from werkzeug.wrappers import Request, Response

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
EMAIL_ATTRIBUTE = "urn:oid:0.9.2342.19200300.100.1.3"


def make_key_and_certificate(common_name: str = "Test IdP") -> tuple[str, str]:
    """A fresh RSA key and self-signed certificate, both PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM).decode()


def _instant(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class LocalSamlIdP:
    """The IdP's state; `url` is set once it listens."""

    users: dict  # name -> {attribute name: value}
    url: str = ""
    key_pem: str = ""
    certificate_pem: str = ""
    overrides: dict = field(default_factory=dict)
    requests_seen: list = field(default_factory=list)

    def __post_init__(self):
        self.key_pem, self.certificate_pem = make_key_and_certificate()

    @property
    def entity_id(self) -> str:
        return f"{self.url}/metadata"

    @property
    def sso_url(self) -> str:
        return f"{self.url}/sso"

    def answer_with(self, **overrides):
        """Change the next answers: key_pem/certificate_pem (another signer), audience, issuer, unsigned=True."""
        self.overrides = overrides

    # -- the protocol ---------------------------------------------------------------------------

    def metadata(self) -> str:
        body = "".join(line for line in self.certificate_pem.splitlines() if "-----" not in line)
        return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{self.entity_id}">
  <md:IDPSSODescriptor protocolSupportEnumeration="{SAMLP}" WantAuthnRequestsSigned="false">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
      <ds:X509Data><ds:X509Certificate>{body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{self.sso_url}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"""

    def read_request(self, saml_request: str) -> dict:
        xml = OneLogin_Saml2_Utils.decode_base64_and_inflate(saml_request)
        root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
        issuer = root.find(f"{{{SAML}}}Issuer")
        found = {
            "id": root.get("ID"),
            "acs": root.get("AssertionConsumerServiceURL"),
            "sp_entity_id": issuer.text if issuer is not None else "",
        }
        self.requests_seen.append(found)
        return found

    def response_xml(self, request: dict, user: str) -> str:
        over = self.overrides
        now = datetime.datetime.now(datetime.UTC)
        issuer = over.get("issuer", self.entity_id)
        audience = over.get("audience", request["sp_entity_id"])
        attributes = self.users[user]
        email = attributes.get(EMAIL_ATTRIBUTE, user)
        statements = "".join(
            f'<saml:Attribute Name="{html.escape(name)}"><saml:AttributeValue>{html.escape(value)}'
            "</saml:AttributeValue></saml:Attribute>"
            for name, value in attributes.items()
        )
        assertion_id, response_id = f"_a{uuid.uuid4().hex}", f"_r{uuid.uuid4().hex}"
        in_five = _instant(now + datetime.timedelta(minutes=5))
        email_format = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
        assertion = f"""<saml:Assertion xmlns:saml="{SAML}" ID="{assertion_id}" Version="2.0" \
IssueInstant="{_instant(now)}">
<saml:Issuer>{issuer}</saml:Issuer>
<saml:Subject><saml:NameID Format="{email_format}">{html.escape(email)}</saml:NameID>
<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData \
InResponseTo="{request["id"]}" Recipient="{request["acs"]}" NotOnOrAfter="{in_five}"/></saml:SubjectConfirmation>
</saml:Subject>
<saml:Conditions NotBefore="{_instant(now - datetime.timedelta(minutes=1))}" NotOnOrAfter="{in_five}">
<saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>
<saml:AuthnStatement AuthnInstant="{_instant(now)}" SessionIndex="{assertion_id}"><saml:AuthnContext>\
<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>\
</saml:AuthnContext></saml:AuthnStatement>
<saml:AttributeStatement>{statements}</saml:AttributeStatement>
</saml:Assertion>"""
        if not over.get("unsigned"):
            key, certificate = over.get("key_pem", self.key_pem), over.get("certificate_pem", self.certificate_pem)
            signed = OneLogin_Saml2_Utils.add_sign(assertion, key, certificate)
            assertion = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", signed).decode()
        return f"""<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="{response_id}" Version="2.0" \
IssueInstant="{_instant(now)}" Destination="{request["acs"]}" InResponseTo="{request["id"]}">
<saml:Issuer>{issuer}</saml:Issuer>
<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
{assertion}
</samlp:Response>"""

    # -- the web pages --------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.path == "/metadata":
            response = Response(self.metadata(), content_type="application/samlmetadata+xml")
        elif request.path == "/sso":
            response = self.sso_page(request)
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)

    def sso_page(self, request: Request) -> Response:
        """Without `user`, a sign-in form; with it, the page that POSTs the signed answer to the ACS."""
        saml_request, relay_state = request.values.get("SAMLRequest", ""), request.values.get("RelayState", "")
        user = request.values.get("user", "")
        if user not in self.users:
            return Response(
                f"""<!doctype html><title>Test IdP</title><form method="get" action="/sso">
<input type="hidden" name="SAMLRequest" value="{html.escape(saml_request)}">
<input type="hidden" name="RelayState" value="{html.escape(relay_state)}">
<label>User <input name="user" id="idp-user"></label><button id="idp-sign-in">Sign in</button></form>""",
                content_type="text/html",
            )
        authn = self.read_request(saml_request)
        answer = base64.b64encode(self.response_xml(authn, user).encode()).decode()
        return Response(
            f"""<!doctype html><title>Test IdP</title><body onload="document.forms[0].submit()">
<form method="post" action="{html.escape(authn["acs"])}">
<input type="hidden" name="SAMLResponse" value="{answer}">
<input type="hidden" name="RelayState" value="{html.escape(relay_state)}">
<noscript><button>Continue</button></noscript></form></body>""",
            content_type="text/html",
        )


@contextlib.contextmanager
def saml_identity_provider(users: dict):
    """Start the IdP on a free port of 127.0.0.1; yields the LocalSamlIdP."""
    idp = LocalSamlIdP(users=users)
    server = werkzeug.serving.make_server("127.0.0.1", 0, idp, threaded=True)
    idp.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield idp
    finally:
        server.shutdown()
        server.server_close()


def form_fields(page: str) -> dict:
    """The hidden fields and target of the IdP's auto-posting page (what the browser would send)."""
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page).group(1))
    fields = {name: html.unescape(value) for name, value in re.findall(r'name="(\w+)" value="([^"]*)"', page)}
    return {"action": action, **fields}
