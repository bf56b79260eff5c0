"""docs/asyncapi.yaml and the code agree on every frame type, both ways."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

from chat import events
from chat.consumers import CLIENT_FRAME_TYPES, CLIENT_HANDLERS

DOCUMENT = Path(settings.BASE_DIR) / "docs" / "asyncapi.yaml"
APPS = (
    "accounts",
    "profiles",
    "moderation",
    "discovery",
    "matching",
    "ai_helpers",
    "notifications",
)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text())
    return loaded


def resolve(document: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        pointer = node["$ref"]
        assert pointer.startswith("#/"), pointer
        node = document
        for part in pointer[2:].split("/"):
            node = node[part]
    return node


def frame_type(document: dict[str, Any], message: dict[str, Any]) -> str:
    payload = resolve(document, message["payload"])
    parts = payload.get("allOf", [payload])
    types = [
        resolve(document, part).get("properties", {}).get("type", {}).get("const") for part in parts
    ]
    (value,) = [found for found in types if found]
    return str(value)


def operation_types(document: dict[str, Any], operation: str) -> list[str]:
    messages = document["operations"][operation]["messages"]
    return [frame_type(document, resolve(document, message)) for message in messages]


def test_the_document_is_asyncapi_3_with_the_socket_address(document):
    assert document["asyncapi"].startswith("3.")
    assert document["channels"]["realtime"]["address"] == "/ws/v1/"
    assert {"4401", "4403"} <= set(re.findall(r"\b(44\d\d)\b", document["info"]["description"]))


def test_client_frames_match_the_consumers_handlers(document):
    documented = operation_types(document, "receiveClientFrames")

    assert len(documented) == len(set(documented))
    assert set(documented) == CLIENT_FRAME_TYPES == set(CLIENT_HANDLERS)


def test_server_frames_match_what_chat_sends(document):
    documented = operation_types(document, "sendServerFrames")

    assert len(documented) == len(set(documented))
    assert set(documented) == events.SERVER_FRAME_TYPES


def test_every_frame_type_constant_of_chat_is_listed():
    constants = {
        value
        for name, value in vars(events).items()
        if name.isupper() and isinstance(value, str) and not name.startswith("_")
    }

    assert constants == events.SERVER_FRAME_TYPES


def test_forwarded_events_cover_every_event_other_apps_send(document):
    documented = set(operation_types(document, "forwardAppEvents"))
    sent = set()
    for app in APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            text = path.read_text()
            # Event type constants of events modules, and inline `"type": "app.event"`.
            if path.name == "events.py":
                sent |= set(re.findall(r'^[A-Z_]+ = "([a-z_]+\.[a-z_]+)"$', text, re.M))
            sent |= set(re.findall(r'"type":\s*"([a-z_]+\.[a-z_]+)"', text))
    sent -= {"realtime.event", "realtime.close"}  # group message types, not frames

    assert sent, "no events found: the scan is broken"
    assert sent <= documented, f"undocumented socket events: {sorted(sent - documented)}"
    assert documented == events.FORWARDED_EVENT_TYPES


def test_every_message_is_named_after_its_type_and_every_ref_resolves(document):
    for key, message in document["components"]["messages"].items():
        assert message["name"] == frame_type(document, message), key
    for channel_message in document["channels"]["realtime"]["messages"].values():
        assert resolve(document, channel_message)["name"]
