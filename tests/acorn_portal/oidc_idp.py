"""A real OpenID provider on 127.0.0.1 for the single sign-on tests (the oidc-provider-mock package).

Any client id and secret are accepted (no registration); the authorization page signs in whoever's
`sub` is posted, with `email` = sub unless predefined users say otherwise.
"""

import contextlib
import threading

import oidc_provider_mock
import werkzeug.serving


@contextlib.contextmanager
def identity_provider(users=()):
    app = oidc_provider_mock.app(user_claims=list(users), require_nonce=False)
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
