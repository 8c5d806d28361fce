"""`make screenshots`: the pictures in README.md, taken from the demo site in headless chromium.

Serves the demo content the way `make audit` does (scripts/demo_site.py: throwaway
database, DEBUG off), then saves to docs/screenshots/:

- home-phone.png    the home page at 375 px (the first screens of the full page);
- home-desktop.png  the home page at 1280 px;
- admin-edit.png    the Wagtail admin editing the home page, signed in as a superuser that
                    exists only in the throwaway database (password and two-factor code
                    made up here, the code computed like an authenticator app would).

PNGs are reduced to a palette when that keeps them under MAX_BYTES.
"""

import secrets
import sys
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for `scripts.…`
from scripts.chromium import CHROMIUM, CHROMIUM_ARGS
from scripts.demo_site import DemoSite
from scripts.harness import ROOT
from scripts.harness.totp import device_code

OUT = ROOT / "docs" / "screenshots"
MAX_BYTES = 400_000
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def create_admin():
    """A superuser with a confirmed TOTP device, in the demo site's database."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from wagtail.models import Site

    password = secrets.token_urlsafe(18)
    user = get_user_model().objects.create_superuser(
        "screenshots", "screenshots@example.edu", password, first_name="Sam", last_name="Editor"
    )
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    home_id = Site.objects.get(is_default_site=True).root_page_id
    return user.username, password, device, home_id


def save(png_bytes, name):
    """Write a screenshot; reduce it to a 256-colour palette if it is too large."""
    path = OUT / name
    path.write_bytes(png_bytes)
    if path.stat().st_size > MAX_BYTES:
        with Image.open(path) as image:
            image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE).save(path, optimize=True)
    with Image.open(path) as image:
        print(f"{path.relative_to(ROOT)}: {image.width}x{image.height}, {path.stat().st_size // 1024} KB")
    return path


def main():
    from playwright.sync_api import expect, sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with DemoSite() as site:
        site.setup_django()
        username, password, device, home_id = create_admin()

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)

            # The home page on a phone: the first three screens of the full page.
            page = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
            page.goto(site.url + "/")
            expect(page.locator("[data-notice-close]").first).to_be_visible()
            height = min(page.evaluate("document.documentElement.scrollHeight"), PHONE["height"] * 3)
            save(
                page.screenshot(full_page=True, clip={"x": 0, "y": 0, "width": PHONE["width"], "height": height}),
                "home-phone.png",
            )
            page.close()

            # The home page on a desktop: the whole page.
            page = browser.new_page(viewport=DESKTOP)
            page.goto(site.url + "/")
            expect(page.locator("[data-notice-close]").first).to_be_visible()
            save(page.screenshot(full_page=True), "home-desktop.png")
            page.close()

            # The admin: sign in, pass the two-factor check, edit the home page.
            page = browser.new_page(viewport=DESKTOP)
            page.goto(f"{site.url}/admin/login/")
            page.locator("#id_username").fill(username)
            page.locator("#id_password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/admin-2fa/verify/**")
            page.locator("#id_token").fill(device_code(device))
            page.get_by_role("button", name="Verify and continue").click()
            page.wait_for_url(f"{site.url}/admin/")
            page.goto(f"{site.url}/admin/pages/{home_id}/edit/")
            expect(page.locator("#page-edit-form")).to_be_visible()
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(500)  # let the editor's panels settle
            save(page.screenshot(), "admin-edit.png")
            page.close()
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
