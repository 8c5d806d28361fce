"""The code an authenticator app shows: django-otp's own RFC 6238 (django_otp.oath.totp),
with the parameters of a TOTPDevice."""

import time

from django_otp.oath import totp


def current_code(hex_key, step=30, t0=0, digits=6, drift=0):
    """The code for a TOTPDevice's hex `key` right now, as the device's verify_token accepts
    it. A code about to expire (under 3 s left) is waited out, so it is still good when the
    form arrives."""
    if step - (time.time() - t0) % step < 3:
        time.sleep(3)
    code = totp(bytes.fromhex(hex_key), step=step, t0=t0, digits=digits, drift=drift)
    return f"{code:0{digits}d}"


def device_code(device):
    """`current_code` for a django_otp TOTPDevice (its key, step, t0, digits and drift)."""
    return current_code(device.key, device.step, device.t0, device.digits, device.drift)
