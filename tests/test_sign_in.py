"""Optional sign-in: with an [auth] section in the secrets, nothing but a sign-in button shows."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

PROJECT = Path(__file__).resolve().parent.parent
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-only-secret",
    "client_id": "threadline",
    "client_secret": "test-only",
    "server_metadata_url": "https://login.example.com/.well-known/openid-configuration",
}


def test_configured_sign_in_hides_every_page_until_signed_in():
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    app.secrets["auth"] = AUTH
    app.run()
    assert not app.exception
    assert [button.label for button in app.button] == ["Sign in"]
    assert not app.dataframe and not app.get("plotly_chart") and not app.sidebar.number_input
    app.switch_page("app_pages/team.py").run()  # a deep link is gated the same way
    assert [button.label for button in app.button] == ["Sign in"]
    assert not app.dataframe


def test_without_auth_secrets_the_app_is_open():
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120).run()
    assert not app.exception
    assert "Sign in" not in [button.label for button in app.button]
    assert app.sidebar.number_input(key="window").value == 180
