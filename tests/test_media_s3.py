"""Media on S3-compatible object storage, against moto's S3 server over real HTTP.

The settings are the ones production builds from the environment (``object_storage()`` in
dei_portal/settings/base.py, fed the AWS_* variables), pointed at ``moto_server`` started on a
free port in a subprocess: every upload, rendition and download below is an HTTP request to the
emulator, as it would be to AWS, MinIO or Ceph.
"""

import io
import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.documents.models import Document
from wagtail.images.models import Image, Rendition, get_rendition_storage
from wagtail.models import Collection, CollectionViewRestriction

from dei_portal.settings.base import object_storage
from tests.conftest import login_verified
from tests.factories.site import StandardPageFactory
from tests.test_uploads import pdf_bytes

boto3 = pytest.importorskip("boto3")
BUCKET = "dei-portal-media"
# The bucket policy docs/media.md prescribes: anyone may read renditions (images/), nothing else.
PUBLIC_RENDITIONS_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "PublicRenditions",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/images/*",
        }
    ],
}


def anonymous_get(url):
    """A request with no credentials, as a browser makes it: (status, body)."""
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 server in its own process, on a free loopback port."""
    moto_server = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or shutil.which("moto_server")
    if not moto_server:
        pytest.fail("moto_server not found: install requirements-dev.txt (moto[server])")
    port = free_port()
    process = subprocess.Popen(
        [moto_server, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto_server did not start on port {port}")
                time.sleep(0.2)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3(s3_endpoint, settings, monkeypatch):
    """The site's media in a fresh bucket, configured as production configures it."""
    environ = {
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_S3_ADDRESSING_STYLE": "path",
    }
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    urllib.request.urlopen(urllib.request.Request(f"{s3_endpoint}/moto-api/reset", method="POST"))
    client.create_bucket(Bucket=BUCKET)
    client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_RENDITIONS_POLICY))
    settings.STORAGES = {**settings.STORAGES, **object_storage(environ)}
    settings.WAGTAILIMAGES_RENDITION_STORAGE = "renditions"
    # Django resolves a field's callable storage once, when models load (at startup in
    # production, where the setting is there from the start): resolve it again here.
    monkeypatch.setattr(Rendition._meta.get_field("file"), "storage", get_rendition_storage())
    settings.MEDIA_ROOT = "/nonexistent-media-root"  # nothing may touch local media
    return client


def keys(client):
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def png_bytes():
    buffer = io.BytesIO()
    PILImage.new("RGB", (320, 200), (180, 20, 60)).save(buffer, "PNG")
    return buffer.getvalue()


def test_settings_switch_to_s3_only_with_a_bucket():
    assert object_storage({}) == {}
    storages = object_storage({"AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_CUSTOM_DOMAIN": "media.example.edu"})
    default, renditions = storages["default"]["OPTIONS"], storages["renditions"]["OPTIONS"]
    assert storages["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert default["default_acl"] is None and renditions["default_acl"] is None  # no public-read ACLs
    assert default["querystring_auth"] is True  # originals and documents: signed, expiring URLs
    assert "custom_domain" not in default
    assert renditions["querystring_auth"] is False and renditions["custom_domain"] == "media.example.edu"


def test_images_and_documents_on_s3(s3, client, superuser, home):
    editor = login_verified(client, superuser)
    root = Collection.get_first_root_node()

    # An image uploaded through the admin's form lands in the bucket.
    response = editor.post(
        "/admin/images/add/",
        {"title": "Poster", "file": SimpleUploadedFile("poster.png", png_bytes()), "collection": root.pk},
    )
    assert response.status_code == 302, response.context["form"].errors
    image = Image.objects.get()
    assert image.file.name in keys(s3)
    assert image.width == 320

    # A page that shows it: its renditions are made from the original in the bucket, stored in
    # the bucket, and linked with plain (unsigned, cacheable) URLs.
    body = json.dumps(
        [
            {
                "type": "figure",
                "value": {"image": {"image": image.pk, "alt_text": "The poster", "decorative": False}, "caption": ""},
            }
        ]
    )
    page = StandardPageFactory(parent=home, title="Poster page", body=body)
    client.logout()
    html = client.get(page.url).content.decode()
    urls = sorted(set(re.findall(rf"{re.escape(s3.meta.endpoint_url)}/{BUCKET}/images/[^\s\"',]+", html)))
    assert urls, html
    assert all("Signature" not in url and "X-Amz" not in url for url in urls)
    for url in urls:
        key = url.split(f"/{BUCKET}/", 1)[1]
        assert key in keys(s3)
        head = s3.head_object(Bucket=BUCKET, Key=key)
        assert head["CacheControl"] == "public, max-age=604800"
        status, content = anonymous_get(url)  # the browser's request, straight to storage
        assert status == 200
        assert PILImage.open(io.BytesIO(content)).width <= 320
    assert s3.get_object(Bucket=BUCKET, Key=image.file.name)["Body"].read() == png_bytes()
    # The original upload is not public: only its renditions are.
    assert anonymous_get(f"{s3.meta.endpoint_url}/{BUCKET}/{image.file.name}")[0] == 403

    # A document uploaded through the admin: stored in the bucket, private, and served by
    # Wagtail's view (streamed, never a redirect to the bucket) with the same bytes.
    editor = login_verified(client, superuser)
    content = pdf_bytes()
    response = editor.post(
        "/admin/documents/add/",
        {"title": "Minutes", "file": SimpleUploadedFile("minutes.pdf", content), "collection": root.pk},
    )
    assert response.status_code == 302, response.context["form"].errors
    document = Document.objects.get()
    assert document.file.name in keys(s3)
    grants = s3.get_object_acl(Bucket=BUCKET, Key=document.file.name)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner only
    assert not any("AllUsers" in grant["Grantee"].get("URI", "") for grant in grants)
    assert "X-Amz-Signature=" in document.file.url  # a storage URL, if any, is signed and expires
    assert anonymous_get(f"{s3.meta.endpoint_url}/{BUCKET}/{document.file.name}")[0] == 403
    assert anonymous_get(document.file.url) == (200, content)  # while the signature is valid
    client.logout()
    response = client.get(f"/documents/{document.pk}/minutes.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'"


def test_private_document_on_s3_is_refused_to_anonymous_visitors(s3, client, superuser):
    private = Collection.get_first_root_node().add_child(name="Staff only")
    CollectionViewRestriction.objects.create(collection=private, restriction_type=CollectionViewRestriction.LOGIN)
    document = Document.objects.create(
        title="Budget", collection=private, file=ContentFile(pdf_bytes(), name="budget.pdf")
    )
    assert document.file.name in keys(s3)

    response = client.get(document.url)
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert b"%PDF" not in response.content

    login_verified(client, superuser)
    response = client.get(document.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
