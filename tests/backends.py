"""Authentication backends for the test settings only."""

from axes.backends import AxesStandaloneBackend


class AxesBackendForTestClient(AxesStandaloneBackend):
    """django-axes, except for django.test.Client.login(), which authenticates without a request.

    Axes refuses a call without a request (AxesBackendRequestParameterRequired) because it cannot
    count failures by address then. Every real sign-in goes through a view and has one, so with a
    request this backend is axes itself; only the test client's shortcut skips the lockout check.
    Lockout tests sign in through the real login form.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
