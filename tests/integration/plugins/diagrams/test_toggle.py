"""The plugin follows ``SCRUM_PLUGINS``: disabled, its routes do not exist and nothing else breaks."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from core.settings import SettingsError
from plugins.diagrams import plugin as diagrams_plugin
from plugins.diagrams.settings import DiagramsSettings
from tests.helpers import ApiClient
from tests.integration.plugins.diagrams.conftest import EXPORT, GENERATE, GENERATE_SHORT

pytestmark = pytest.mark.anyio

ROUTES = (GENERATE, GENERATE_SHORT, EXPORT)


async def test_disabled_plugin_has_no_routes(app_factory, monkeypatch):
    """Left out of SCRUM_PLUGINS: the three diagram routes are 404 (an empty body would be a 400 if they existed)
    and absent from the schema and the plugin list; its settings are not even read (only an enabled plugin with a
    bad DIAGRAMS_MAX_NODES stops start-up)."""
    monkeypatch.setenv("DIAGRAMS_MAX_NODES", "lots")
    with pytest.raises(SettingsError, match="DIAGRAMS_MAX_NODES"):
        app_factory(available={"diagrams": diagrams_plugin})
    app = app_factory(available={"diagrams": diagrams_plugin}, enabled=())
    async with AsyncTestClient(app=app) as raw:
        user, _ = await ApiClient(raw).signed_up()
        for url in ROUTES:
            assert (await user.post(url, json={})).status_code == 404, url
        schema = (await raw.get("/api/schema/openapi.json")).json()
        assert not [path for path in schema["paths"] if "diagrams" in path]
        assert "diagrams" not in [p["name"] for p in (await user.get("/api/v1/system/plugins")).json()]


async def test_enabled_plugin_answers_and_is_documented(dclient):
    """Enabled: the routes answer (an empty body is a 400 naming diagram_type), the plugin is listed, the
    generate and export routes are in the schema under the diagrams tag."""
    user, _ = await dclient.signed_up()
    for url in ROUTES:
        response = await user.post(url, json={})
        assert response.status_code == 400, url
        assert response.json()["diagram_type"] == ["This field is required."]
    assert "diagrams" in [p["name"] for p in (await user.get("/api/v1/system/plugins")).json()]
    schema = (await dclient.raw.get("/api/schema/openapi.json")).json()
    assert schema["paths"]["/api/v1/reporting/diagrams/generate"]["post"]["tags"] == ["diagrams"]
    assert schema["paths"]["/api/v1/reporting/diagrams/export"]["post"]["tags"] == ["diagrams"]


def test_max_nodes_setting_is_checked():
    """DIAGRAMS_MAX_NODES defaults to 500 and refuses values that are not whole numbers between 1 and 5000."""
    assert DiagramsSettings.from_env({}).max_nodes == 500
    assert DiagramsSettings.from_env({"DIAGRAMS_MAX_NODES": "50"}).max_nodes == 50
    for bad in ("0", "many", "5001"):
        with pytest.raises(SettingsError, match="DIAGRAMS_MAX_NODES"):
            DiagramsSettings.from_env({"DIAGRAMS_MAX_NODES": bad})
