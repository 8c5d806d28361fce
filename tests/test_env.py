"""One way to read the environment (dei_portal/settings/env.py), in every settings module."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from dei_portal.settings.env import env_bool, env_choice, env_float, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "SECRET_KEY": "x" * 60,
    "ALLOWED_HOSTS": "dei.example.edu",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
    "WAGTAILADMIN_BASE_URL": "https://dei.example.edu",
}


def production_settings(**environ):
    """The production settings as a fresh process reads them: (returncode, settings or stderr)."""
    names = ["SECURE_SSL_REDIRECT", "EMAIL_USE_TLS", "CSP_REPORT_ONLY", "EMAIL_PORT", "SECURE_HSTS_SECONDS"]
    code = (
        f"import json, dei_portal.settings.production as s;print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    env = {key: value for key, value in os.environ.items() if key not in (*names, "DJANGO_SETTINGS_MODULE")}
    env.update(PRODUCTION, **environ)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    return done.returncode, json.loads(done.stdout) if done.returncode == 0 else done.stderr


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({}, {"SECURE_SSL_REDIRECT": True, "EMAIL_USE_TLS": True, "CSP_REPORT_ONLY": False}),
        # The bug this replaces: "1" compared with "true" turned the HTTPS redirect off.
        ({"SECURE_SSL_REDIRECT": "1"}, {"SECURE_SSL_REDIRECT": True}),
        ({"SECURE_SSL_REDIRECT": "off"}, {"SECURE_SSL_REDIRECT": False}),
        ({"EMAIL_USE_TLS": "0"}, {"EMAIL_USE_TLS": False}),
        ({"CSP_REPORT_ONLY": "yes"}, {"CSP_REPORT_ONLY": True}),
        ({"CSP_REPORT_ONLY": " On "}, {"CSP_REPORT_ONLY": True}),
        ({"EMAIL_PORT": "465"}, {"EMAIL_PORT": 465}),
    ],
)
def test_production_reads_switches_the_same_way_everywhere(environ, expected):
    returncode, values = production_settings(**environ)
    assert returncode == 0, values
    assert {name: values[name] for name in expected} == expected


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"SECURE_SSL_REDIRECT": "enabled"}, "SECURE_SSL_REDIRECT='enabled' is not a yes/no value"),
        ({"EMAIL_USE_TLS": "ture"}, "EMAIL_USE_TLS='ture' is not a yes/no value"),
        ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT='smtp' is not a whole number"),
        ({"SECURE_HSTS_SECONDS": "-5"}, "SECURE_HSTS_SECONDS='-5' must be at least 0"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL='loud' is not one of"),
    ],
)
def test_a_value_that_cannot_be_read_refuses_to_start_and_names_the_variable(environ, message):
    returncode, stderr = production_settings(**environ)
    assert returncode != 0
    assert "ImproperlyConfigured" in stderr and message in stderr, stderr


@pytest.mark.parametrize("word", ["1", "true", "TRUE", "yes", "on", "On"])
def test_true_words(monkeypatch, word):
    monkeypatch.setenv("SWITCH", word)
    assert env_bool("SWITCH", False) is True


@pytest.mark.parametrize("word", ["0", "false", "False", "no", "off", "OFF"])
def test_false_words(monkeypatch, word):
    monkeypatch.setenv("SWITCH", word)
    assert env_bool("SWITCH", True) is False


def test_unset_or_blank_takes_the_default(monkeypatch):
    monkeypatch.delenv("SWITCH", raising=False)
    assert env_bool("SWITCH", True) is True
    assert env_int("NUMBER", 7) == 7
    monkeypatch.setenv("SWITCH", "  ")
    assert env_bool("SWITCH", False) is False


def test_numbers_lists_and_choices(monkeypatch):
    monkeypatch.setenv("NUMBER", " 42 ")
    monkeypatch.setenv("RATIO", "1.5")
    monkeypatch.setenv("HOSTS", " a.example, ,b.example,")
    monkeypatch.setenv("FORMAT", "JSON")
    assert env_int("NUMBER", 0) == 42
    assert env_float("RATIO", 0.0) == 1.5
    assert env_list("HOSTS") == ["a.example", "b.example"]
    assert env_choice("FORMAT", "text", {"json", "text"}) == "json"
    monkeypatch.setenv("RATIO", "fast")
    with pytest.raises(ImproperlyConfigured, match="RATIO='fast' is not a number"):
        env_float("RATIO", 0.0)


def test_a_required_string_must_be_set(monkeypatch):
    monkeypatch.delenv("REQUIRED", raising=False)
    with pytest.raises(ImproperlyConfigured, match="REQUIRED must be set"):
        env_str("REQUIRED")
    monkeypatch.setenv("REQUIRED", " value ")
    assert env_str("REQUIRED") == "value"


def test_settings_read_the_environment_only_through_the_helper():
    """No settings module parses os.environ itself (that is how three parsers came about)."""
    settings_dir = ROOT / "dei_portal" / "settings"
    offenders = [
        f"{path.name}:{number}"
        for path in sorted(settings_dir.glob("*.py"))
        if path.name != "env.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "os.environ" in line or "getenv(" in line
    ]
    assert offenders == []


def gunicorn_config(**environ):
    """The gunicorn configuration as gunicorn reads it (a file run by path, from another folder)."""
    code = (
        "import json, runpy, sys; g = runpy.run_path(sys.argv[1]);"
        "names = ('bind', 'workers', 'accesslog', 'control_socket_disable', 'max_requests', 'preload_app');"
        "print(json.dumps({n: g.get(n) for n in names}))"
    )
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("GUNICORN_", "WEB_CONCURRENCY", "PORT"))
    }
    env.update(environ)
    done = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "dei_portal" / "operations" / "gunicorn_conf.py")],
        cwd="/",
        env=env,
        capture_output=True,
        text=True,
    )
    return done.returncode, json.loads(done.stdout) if done.returncode == 0 else done.stderr


def test_the_gunicorn_configuration_reads_the_environment_through_the_helper():
    assert gunicorn_config() == (
        0,
        {
            "bind": ["127.0.0.1:8000"],
            "workers": 2,
            "accesslog": "-",
            "control_socket_disable": None,
            "max_requests": 0,
            "preload_app": True,
        },
    )
    code, config = gunicorn_config(
        GUNICORN_BIND="127.0.0.1:9001, 10.0.0.5:9001",
        WEB_CONCURRENCY="4",
        GUNICORN_ACCESS_LOG="OFF",
        GUNICORN_CONTROL_SOCKET="no",
        GUNICORN_PRELOAD="off",
    )
    assert code == 0
    assert config["preload_app"] is False
    assert config["bind"] == ["127.0.0.1:9001", "10.0.0.5:9001"] and config["workers"] == 4
    assert config["accesslog"] is None and config["control_socket_disable"] is True


@pytest.mark.parametrize(
    "name, value", [("WEB_CONCURRENCY", "two"), ("GUNICORN_MAX_REQUESTS", "-1"), ("GUNICORN_LOG_LEVEL", "loud")]
)
def test_a_bad_gunicorn_value_refuses_to_start_with_its_name(name, value):
    code, stderr = gunicorn_config(**{name: value})
    assert code != 0
    assert f"{name}={value!r}" in stderr


@pytest.mark.parametrize(
    "name, value", [("PAGE_CACHE", "maybe"), ("AXES_FAILURE_LIMIT", "five"), ("LOG_FORMAT", "xml")]
)
def test_a_bad_shared_setting_refuses_to_start_with_its_name(name, value):
    """base.py, under every environment's settings, reads through the same helper."""
    code, stderr = production_settings(**{name: value})
    assert code != 0
    assert f"{name}={value!r}" in stderr
