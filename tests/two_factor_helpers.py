"""Two-factor helpers for tests: an enrolled authenticator and the code its app would show now."""

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def enrol(user) -> TOTPDevice:
    """A confirmed authenticator for `user`, as after the enrolment page."""
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The six digits an authenticator app with this device's secret shows (RFC 6238).

    A code is accepted once (django-otp remembers the last time step), so a second sign-in within
    the same 30 seconds uses the next step's code, which the device's tolerance of one step allows.
    """
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"
